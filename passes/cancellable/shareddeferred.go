package cancellable

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// SharedResults is the fact the shareddeferred rule keeps for a named
// function that returns a shared Deferred: a Deferred that is not the
// caller's own (see docs/rules/shareddeferred.md), unshielded. It says
// where the Deferred is handed out and why it is shared, so that a caller
// that awaits it — in this package or another — reports the problem at
// that return, where deferred.StopCancellation goes. A caller that shields
// the result, or never hands it to a wait, reports nothing: that is why
// this is not a latent problem of the function itself.
//
// It also lists the results that refer to shared storage (Storage): a
// lookup that returns the struct kept in a map for a key, so that a
// Deferred its caller reads from a field of it is shared too.
//
// And it lists the parameters whose Deferred the function awaits, or
// passes a cancel on to (through Then, Chain, Gather of a slice, a
// callee that awaits it), or cancels (Cancel, Timeout): a caller that
// hands it a shared Deferred hands that to cancellable code. A function
// parameter is listed when the function awaits what it returns (a
// fan-out helper that calls f for every item and gathers the results):
// a caller that passes a method value handing out cached Deferreds hands
// those to cancellable code.
//
// And it lists the results that are a parameter's Deferred, or pass a
// cancel on to it (Passes: a helper that returns Then(d, f)), so that a
// caller that awaits the result awaits what it passed.
type SharedResults struct {
	Results []SharedResult // sorted by index and position, at most MaxLatent
	Awaits  []int          // parameters (receiver first; a Deferred, a slice of them, a function returning one), sorted
	Passes  []PassedParam  // sorted
}

// A PassedParam says that result Result of a function is the Deferred of
// parameter Param (receiver first), or passes a cancel on to it.
type PassedParam struct{ Result, Param int }

// A SharedResult is one shared Deferred a function returns, or one result
// that refers to shared storage.
type SharedResult struct {
	Index  int    // the result
	Pos    string // the returned expression that hands it out: "file:line:col"
	Reason string // why it is shared: "loaded from map cache"
	// ViaParam: the Deferred is kept in storage reached through parameter
	// Param (receiver first): it is shared only when the caller's argument
	// is. A value the caller made in the same call is its own.
	ViaParam bool
	Param    int
	// Path is the call path from the function the fact describes
	// (Path[0]) down to the function whose return is at Pos.
	Path []Step
	// outer: Param is a parameter of the function that encloses this
	// function literal (the storage is captured from it). Literals have
	// no facts: this is only ever set in memory.
	outer bool
	// Storage: the result is not a Deferred but refers to shared storage
	// (a pointer to a value kept in a map, a map, a slice), which Name
	// names as messages show it: "s.rooms[…]".
	Storage bool
	Name    string
}

// AFact marks SharedResults as an analysis fact.
func (*SharedResults) AFact() {}

func (s *SharedResults) String() string {
	var parts []string
	if len(s.Awaits) > 0 {
		parts = append(parts, fmt.Sprintf("cancels params %v", s.Awaits))
	}
	for _, p := range s.Passes {
		parts = append(parts, fmt.Sprintf("result%d passes param%d", p.Result, p.Param))
	}
	for _, r := range s.Results {
		what := "shared"
		if r.Storage {
			what = "storage"
		}
		parts = append(parts, fmt.Sprintf("%s result%d@%s", what, r.Index, shortPos(r.Pos)))
	}
	return strings.Join(parts, " ")
}

func init() {
	// The rule's detector and fact, beside the pass's own.
	detectors = append(detectors, (*Func).sharedDeferred)
	Analyzer.FactTypes = append(Analyzer.FactTypes, (*SharedResults)(nil))
}

// sharedFact returns what a callee's fact says (for a function of this
// package, also a literal, what its own computation found; for a call
// through an interface or a function value, what any of the functions it
// may call says).
func (f *Func) sharedFact(callee Callee) SharedResults {
	if len(callee.Members) > 0 {
		var joined SharedResults
		for _, m := range callee.Members {
			fact := f.sharedFact(m)
			joined.Results = append(joined.Results, fact.Results...)
			joined.Awaits = append(joined.Awaits, fact.Awaits...)
			joined.Passes = append(joined.Passes, fact.Passes...)
		}
		slices.Sort(joined.Awaits)
		joined.Awaits = slices.Compact(joined.Awaits)
		return joined
	}
	if callee.Local != nil {
		if callee.Local.failed {
			return SharedResults{}
		}
		return callee.Local.shared
	}
	if callee.hidden != nil {
		return callee.hidden.Shared
	}
	if callee.Func == nil || callee.Runtime != "" {
		return SharedResults{}
	}
	fact := new(SharedResults)
	if !f.s.pass.ImportObjectFact(callee.Func, fact) {
		return SharedResults{}
	}
	return *fact
}

// sharedResults returns what a callee's fact says of its results.
func (f *Func) sharedResults(callee Callee) []SharedResult { return f.sharedFact(callee).Results }

// sharedDeferred is the detector of the shareddeferred rule. A Deferred
// that is not this caller's own and is awaited here is a problem: at the
// Await when it is loaded here, at the return that hands it out when it
// comes from a callee. One that is returned becomes a SharedResult for the
// callers to judge.
func (f *Func) sharedDeferred() {
	f.shared = SharedResults{}
	sh := newSharing(f, false)
	var results []SharedResult
	var awaits []int
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			switch instr := instr.(type) {
			case *ssa.Return:
				results = append(results, sh.returned(instr)...)
			case *ssa.Call:
				callee := f.Callee(instr.Common())
				args := callee.CallArgs(instr.Common())
				if callee.Runtime == "Await" && len(instr.Call.Args) == 2 {
					for _, o := range dedupOrigins(sh.origins(instr.Call.Args[1])) {
						sh.awaited(instr, Callee{}, 1, o)
					}
					awaits = append(awaits, f.paramsIn(instr.Call.Args[1], make(map[ssa.Value]bool))...)
				}
				if k, ok := cancelmodel.CancelsArg(callee.Func); ok && callee.Runtime != "" && k < len(args) && args[k] != nil {
					for _, o := range dedupOrigins(sh.origins(args[k])) {
						sh.cancelled(instr, callee, k, o)
					}
					awaits = append(awaits, f.paramsIn(args[k], make(map[ssa.Value]bool))...)
				}
				for _, p := range f.sharedFact(callee).Awaits {
					if p >= len(args) || args[p] == nil {
						continue
					}
					for _, o := range dedupOrigins(sh.argOrigins(args[p], instr.Pos())) {
						sh.awaited(instr, callee, p, o)
					}
					awaits = append(awaits, f.paramsIn(args[p], make(map[ssa.Value]bool))...)
				}
			}
		}
	}
	results = normalizeShared(results)
	passes := f.passedParams()
	for _, r := range results {
		if !r.Storage {
			f.SetResult(r.Index, Shared)
		}
	}
	slices.Sort(awaits)
	f.shared = SharedResults{Results: results, Awaits: slices.Compact(awaits), Passes: passes}
	if f.decl == nil || len(results) == 0 && len(awaits) == 0 && len(passes) == 0 {
		return // function literals have no object to carry a fact
	}
	obj, _ := f.s.pass.TypesInfo.Defs[f.decl.Name].(*types.Func)
	if obj == nil {
		return
	}
	fact := f.shared
	f.s.pass.ExportObjectFact(obj, &fact)
}

// passedParams returns the Deferred results of the function that are a
// parameter's Deferred or pass a cancel on to it.
func (f *Func) passedParams() []PassedParam {
	var out []PassedParam
	for _, b := range f.SSA.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok {
			continue
		}
		for i, v := range ret.Results {
			if !cancelmodel.IsDeferredType(v.Type()) {
				continue
			}
			for _, p := range f.paramsIn(v, make(map[ssa.Value]bool)) {
				out = append(out, PassedParam{Result: i, Param: p})
			}
		}
	}
	slices.SortFunc(out, func(a, b PassedParam) int {
		return cmp.Or(cmp.Compare(a.Result, b.Result), cmp.Compare(a.Param, b.Param))
	})
	return slices.Compact(out)
}

// paramsIn returns the parameters (receiver first) whose Deferred, or
// slice of Deferreds, v is or passes a cancel on to: through phis,
// conversions, local variables, sub-slices and append, the runtime's
// wrappers that pass a cancel on, Gather, and callees whose result is or
// passes a cancel on to their argument.
func (f *Func) paramsIn(v ssa.Value, seen map[ssa.Value]bool) []int {
	if v == nil || seen[v] {
		return nil
	}
	seen[v] = true
	switch x := v.(type) {
	case *ssa.Parameter:
		if i := slices.Index(f.SSA.Params, x); i >= 0 {
			return []int{i}
		}
	case *ssa.Phi:
		var out []int
		for _, e := range x.Edges {
			out = append(out, f.paramsIn(e, seen)...)
		}
		return out
	case *ssa.ChangeType:
		return f.paramsIn(x.X, seen)
	case *ssa.Slice:
		return f.paramsIn(x.X, seen)
	case *ssa.UnOp:
		if _, ok := x.X.(*ssa.Alloc); ok && x.Op == token.MUL {
			var out []int
			for _, val := range reachingStores(x) {
				out = append(out, f.paramsIn(val, seen)...)
			}
			return out
		}
	case *ssa.Extract:
		if call, ok := x.Tuple.(*ssa.Call); ok {
			return f.paramsInResult(call, x.Index, seen)
		}
	case *ssa.Call:
		if b, ok := x.Call.Value.(*ssa.Builtin); ok {
			if b.Name() == "append" && len(x.Call.Args) > 0 {
				var out []int
				for _, a := range x.Call.Args {
					out = append(out, f.paramsIn(a, seen)...)
				}
				return out
			}
			return nil
		}
		if _, ok := x.Call.Value.(*ssa.Parameter); ok && cancelmodel.IsDeferredType(x.Type()) {
			return f.paramsIn(x.Call.Value, seen) // what a function parameter returns: f(it)
		}
		return f.paramsInResult(x, 0, seen)
	case *ssa.Alloc, *ssa.MakeSlice:
		// A local slice's backing array, or the varargs of append: what
		// is stored into its elements.
		var out []int
		for _, val := range indexStores(v) {
			out = append(out, f.paramsIn(val, seen)...)
		}
		return out
	}
	return nil
}

// paramsInResult is paramsIn of result i of a call.
func (f *Func) paramsInResult(call *ssa.Call, i int, seen map[ssa.Value]bool) []int {
	callee := f.Callee(call.Common())
	args := callee.CallArgs(call.Common())
	if callee.Runtime == "" {
		var out []int
		for _, p := range f.sharedFact(callee).Passes {
			if p.Result == i && p.Param < len(args) {
				out = append(out, f.paramsIn(args[p.Param], seen)...)
			}
		}
		return out
	}
	if _, shield := cancelmodel.Shield(callee.Func); shield || i != 0 {
		return nil
	}
	if k, ok := cancelmodel.CancelPassThrough(callee.Func); ok && k < len(args) {
		return f.paramsIn(args[k], seen)
	}
	if cancelmodel.FirstErrorSource(callee.Func) && len(args) > 0 {
		return f.paramsIn(args[0], seen)
	}
	return nil
}

// sharing finds, in one function, the Deferreds that are not its own.
type sharing struct {
	f    *Func
	memo map[ssa.Value][]sharedOrigin
	// loadsOnly: find loads from shared storage only, not stores into it
	// nor callees' results (the scan for storage that is handed out).
	loadsOnly bool
	// busy: the values whose storage is being computed (a variable
	// assigned from itself, x = x.next, a phi of itself, a value stored
	// into what it holds, are cycles).
	busy map[ssa.Value]bool
}

func newSharing(f *Func, loadsOnly bool) *sharing {
	return &sharing{f: f, memo: make(map[ssa.Value][]sharedOrigin), loadsOnly: loadsOnly, busy: make(map[ssa.Value]bool)}
}

// A sharedOrigin says why a Deferred value is shared.
type sharedOrigin struct {
	reason   string         // "loaded from map cache"
	keys     []types.Object // the storage: the package variable and fields on the way to it
	paramRef                // the parameter the storage is reached through, if any
	// From a callee's result: the call and the callee's record.
	site token.Pos
	from *SharedResult
	// cancelled: the Deferred was handed to a call that cancels it by
	// itself (Timeout, a callee that waits on or cancels its argument),
	// which is reported there; a wait on what that call returns is the
	// same problem, with the same fix.
	cancelled bool
}

// markCancelled returns copies of origins marked as cancelled.
func markCancelled(os []sharedOrigin) []sharedOrigin {
	os = slices.Clone(os)
	for j := range os {
		os[j].cancelled = true
	}
	return os
}

// returned records the shared Deferreds a return hands out, and the
// shared storage it hands out, unless an ignore directive on the return
// suppresses them for every caller.
func (sh *sharing) returned(ret *ssa.Return) []SharedResult {
	f := sh.f
	var out []SharedResult
	for i, v := range ret.Results {
		pos := ret.Pos()
		if e := f.returnedExpr(ret, i); e != nil {
			pos = e.Pos()
		}
		here := func() (SharedResult, bool) {
			if !pos.IsValid() || f.s.dirs.ignored(f.s.pass.Fset, SharedDeferred, pos) {
				return SharedResult{}, false
			}
			return SharedResult{Index: i, Pos: f.s.pass.Fset.Position(pos).String(), Path: []Step{f.stepAt(token.NoPos)}}, true
		}
		if !cancelmodel.IsDeferredType(v.Type()) {
			if !holdsDeferreds(v.Type()) {
				continue
			}
			if p := sh.storage(v); p.shared {
				if r, ok := here(); ok {
					r.Storage, r.Name = true, p.label()
					r.setRef(p.paramRef)
					out = append(out, r)
				}
			}
			continue
		}
		for _, o := range dedupOrigins(sh.origins(v)) {
			if o.cancelled {
				continue
			}
			if o.from != nil {
				r := SharedResult{Index: i, Pos: o.from.Pos, Reason: o.from.Reason, Path: prepend(f.stepAt(o.site), o.from.Path)}
				r.setRef(o.paramRef)
				out = append(out, r)
				continue
			}
			if r, ok := here(); ok {
				r.Reason = o.reason
				r.setRef(o.paramRef)
				out = append(out, r)
			}
		}
	}
	return out
}

// holdsDeferreds reports whether a value of type t refers to storage
// that may hold Deferreds: a pointer, map, slice or array of them, or of
// structs with such fields, a few levels deep.
func holdsDeferreds(t types.Type) bool {
	var holds func(t types.Type, depth int) bool
	holds = func(t types.Type, depth int) bool {
		if depth > 4 {
			return false
		}
		if cancelmodel.IsDeferredType(t) {
			return true
		}
		switch u := types.Unalias(t).Underlying().(type) {
		case *types.Pointer:
			return holds(u.Elem(), depth+1)
		case *types.Map:
			return holds(u.Elem(), depth+1)
		case *types.Slice:
			return holds(u.Elem(), depth+1)
		case *types.Array:
			return holds(u.Elem(), depth+1)
		case *types.Struct:
			for i := range u.NumFields() {
				if holds(u.Field(i).Type(), depth+1) {
					return true
				}
			}
		}
		return false
	}
	return holds(t, 0)
}

// awaited reports a shared Deferred awaited by this function: argument
// arg of a call of Await, or of a call of a function (waiter) that awaits
// its parameter arg (receiver first).
func (sh *sharing) awaited(call *ssa.Call, waiter Callee, arg int, o sharedOrigin) {
	f := sh.f
	if o.cancelled {
		return
	}
	if o.from == nil {
		by := "cancellable code"
		var e ast.Expr
		if waiter.Resolved() {
			by = "cancellable code, in " + waiter.Name
			e = f.waiterArgSyntax(call, waiter, arg)
		} else {
			e = f.callArgSyntax(call, arg)
		}
		f.reportSharedDeferred(call, e, "shared Deferred awaited by "+by+": "+o.reason+
			"; cancelling this request fails it for every waiter; wrap it in deferred.StopCancellation")
		return
	}
	sh.handedOut(o)
}

// cancelled reports a shared Deferred that a call of the runtime cancels
// by itself: the receiver of Deferred.Cancel, the argument of Timeout.
func (sh *sharing) cancelled(call *ssa.Call, callee Callee, arg int, o sharedOrigin) {
	f := sh.f
	if o.from != nil {
		sh.handedOut(o)
		return
	}
	if callee.Runtime == "Timeout" {
		f.reportSharedDeferred(call, f.waiterArgSyntax(call, callee, arg), "shared Deferred given to deferred.Timeout: "+o.reason+
			"; when the time runs out it is cancelled for every waiter; wrap it in deferred.StopCancellation")
		return
	}
	f.reportSharedDeferred(call, nil, "shared Deferred cancelled: "+o.reason+
		"; it fails for every waiter; cancel a deferred.StopCancellation of it instead")
}

// reportSharedDeferred reports a shared Deferred at e, the expression that hands
// it to a wait or a cancel, with a fix that shields it; at the call when
// e is nil.
func (f *Func) reportSharedDeferred(call *ssa.Call, e ast.Expr, message string) {
	pos := call.Pos()
	var fixes []analysis.SuggestedFix
	if e != nil {
		pos = e.Pos()
		if cancelmodel.IsDeferredType(f.s.pass.TypesInfo.TypeOf(e)) {
			fixes = f.s.wrapCallFix(e, "StopCancellation", "shield the shared Deferred with deferred.StopCancellation")
		}
	} else if ce := f.callSyntax(call); ce != nil {
		pos = ce.Pos()
	}
	f.Report(SharedDeferred, pos, message, fixes...)
}

// handedOut reports a shared Deferred that a callee returns, once this
// function hands it to a wait or a cancel: at the callee's return, as a
// latent problem of this function for its entry points.
func (sh *sharing) handedOut(o sharedOrigin) {
	f := sh.f
	l := latent{
		Problem: Problem{
			Rule:   SharedDeferred,
			Pos:    o.from.Pos,
			Reason: returnedReason(o.from.Reason),
			Path:   prepend(f.stepAt(o.site), o.from.Path),
		},
	}
	if pos := f.s.posOf(o.from.Pos); pos.IsValid() {
		// The return is in this package: report it there, with its fix.
		l.pos = pos
		l.local = true
		if e := f.s.exprStartingAt(pos); e != nil {
			l.fixes = f.s.wrapCallFix(e, "StopCancellation", "shield the shared Deferred with deferred.StopCancellation")
			l.Fixable = len(l.fixes) > 0
		}
	} else {
		l.pos = o.site // in another package: report the call that reaches it
	}
	if !l.pos.IsValid() {
		return
	}
	f.latent = append(f.latent, l)
}

// waiterArgSyntax returns the syntax of the argument that a call passes
// to parameter i (receiver first) of the callee, or nil.
func (f *Func) waiterArgSyntax(call *ssa.Call, callee Callee, i int) ast.Expr {
	ce := f.callSyntax(call)
	if ce == nil || ce.Ellipsis.IsValid() {
		return nil
	}
	args := callee.CallArgs(call.Common())
	switch {
	case len(ce.Args) == len(args):
	case len(ce.Args) == len(args)-1 && callee.Recv:
		if i == 0 {
			return nil // the receiver, before the dot
		}
		i--
	default:
		return nil
	}
	if i < len(ce.Args) {
		return ce.Args[i]
	}
	return nil
}

func returnedReason(why string) string {
	return "shared Deferred handed to cancellable code: " + why +
		"; cancelling one waiter fails it for every waiter; wrap it in deferred.StopCancellation"
}

// stepAt is this function as a step of a call path, calling at site.
func (f *Func) stepAt(site token.Pos) Step {
	s := Step{Pkg: f.s.pass.Pkg.Path(), Func: f.Name()}
	if site.IsValid() {
		s.Call = f.s.pass.Fset.Position(f.s.callStart(site)).String()
	}
	return s
}

// origins returns why v, a *Deferred, is not this function's own (nil if
// it is, or if nothing is known).
func (sh *sharing) origins(v ssa.Value) []sharedOrigin {
	if os, ok := sh.memo[v]; ok {
		return os
	}
	sh.memo[v] = nil // a cycle through phis adds nothing
	os := sh.compute(v)
	if len(os) == 0 && !sh.loadsOnly {
		if o, ok := sh.storedShared(v); ok {
			os = []sharedOrigin{o}
		}
	}
	sh.memo[v] = os
	return os
}

func (sh *sharing) compute(v ssa.Value) []sharedOrigin {
	switch v := v.(type) {
	case *ssa.Phi:
		var os []sharedOrigin
		for _, e := range v.Edges {
			os = append(os, sh.origins(e)...)
		}
		return os
	case *ssa.ChangeType:
		return sh.origins(v.X)
	case *ssa.MakeInterface:
		return sh.origins(v.X)
	case *ssa.ChangeInterface:
		return sh.origins(v.X)
	case *ssa.TypeAssert:
		if !v.CommaOk {
			return sh.origins(v.X) // the Deferred an interface holds
		}
	case *ssa.Lookup:
		if !v.CommaOk {
			return sh.loadedFromMap(v.X)
		}
	case *ssa.Extract:
		switch t := v.Tuple.(type) {
		case *ssa.Lookup:
			if v.Index == 0 {
				return sh.loadedFromMap(t.X)
			}
		case *ssa.TypeAssert:
			if v.Index == 0 {
				return sh.origins(t.X)
			}
		case *ssa.Call:
			return sh.callOrigins(t, v.Index)
		case *ssa.Next:
			if r, ok := t.Iter.(*ssa.Range); ok && v.Index == 2 && !t.IsString {
				return sh.loadedFromMap(r.X) // for _, d := range m
			}
		}
	case *ssa.UnOp:
		if _, ok := v.X.(*ssa.Alloc); ok && v.Op == token.MUL {
			// A local variable kept in memory (a function literal
			// captures it): what was stored into it.
			var os []sharedOrigin
			for _, val := range reachingStores(v) {
				os = append(os, sh.origins(val)...)
			}
			return os
		}
		if v.Op == token.MUL {
			if g, ok := v.X.(*ssa.Global); ok && sh.f.firedOnly(g) {
				return nil // a fired Deferred: a cancel does nothing to it
			}
			if p := sh.addrStorage(v.X); p.shared {
				return []sharedOrigin{p.origin(p.loadReason())}
			}
		}
	case *ssa.Field:
		if p := sh.storage(v.X).field(v.X.Type(), v.Field); p.shared {
			return []sharedOrigin{p.origin(p.loadReason())}
		}
	case *ssa.Call:
		return sh.callOrigins(v, 0)
	}
	return nil
}

func (sh *sharing) loadedFromMap(m ssa.Value) []sharedOrigin {
	p := sh.storage(m)
	if !p.shared {
		return nil
	}
	return []sharedOrigin{p.origin("loaded from map " + p.label())}
}

// syncMapLoad reports whether a callee hands out, as its first result, a
// value kept in the sync.Map it is called on.
func syncMapLoad(callee Callee) bool {
	switch cancelmodel.FuncName(callee.Func) {
	case "sync.Map.Load", "sync.Map.LoadOrStore", "sync.Map.LoadAndDelete", "sync.Map.Swap":
		return true
	}
	return false
}

// callOrigins returns why result i of a call is shared: the wrappers that
// pass a cancel through to their argument (Then, Chain, the Add* methods,
// which return their receiver) are as shared as the argument, Gather as
// its inputs; a shield (StopCancellation, DelayCancellation, Observe) is
// the caller's own; a callee's fact says the rest, and what a forwarding
// callee (WithLock, a wrapper of the program's own) returns is what the
// function it is passed returns.
func (sh *sharing) callOrigins(call *ssa.Call, i int) []sharedOrigin {
	c := call.Common()
	callee := sh.f.Callee(c)
	if syncMapLoad(callee) && i == 0 && len(c.Args) > 0 {
		p := sh.storage(c.Args[0])
		if !p.shared {
			return nil
		}
		return []sharedOrigin{p.origin("loaded from sync.Map " + p.label())}
	}
	var out []sharedOrigin
	if callee.Runtime != "" {
		if _, shield := cancelmodel.Shield(callee.Func); shield {
			return nil
		}
		args := callee.CallArgs(c)
		if k, ok := cancelmodel.CancelPassThrough(callee.Func); ok && k < len(args) && args[k] != nil &&
			cancelmodel.IsDeferredType(args[k].Type()) {
			os := sh.origins(args[k])
			if _, cancels := cancelmodel.CancelsArg(callee.Func); cancels {
				os = markCancelled(os)
			}
			out = append(out, os...)
		}
		if cancelmodel.FirstErrorSource(callee.Func) && len(c.Args) > 0 {
			// Gather passes a cancel on to every input.
			out = append(out, sh.elemOrigins(c.Args[0])...)
		}
	}
	if sh.loadsOnly || !call.Pos().IsValid() {
		return out
	}
	fact := sh.f.sharedFact(callee)
	args := callee.CallArgs(c)
	for _, r := range fact.Results {
		if r.Index != i || r.Storage {
			continue
		}
		if ref, ok := sh.argRef(r, callee, args); ok {
			out = append(out, sharedOrigin{site: call.Pos(), from: &r, paramRef: ref})
		}
	}
	for _, p := range fact.Passes {
		if p.Result != i || p.Param >= len(args) || args[p.Param] == nil {
			continue
		}
		os := sh.argOrigins(args[p.Param], call.Pos())
		if slices.Contains(fact.Awaits, p.Param) {
			os = markCancelled(os) // the callee cancels it too: reported at this call
		}
		out = append(out, os...)
	}
	for _, fw := range sh.f.calleeForwards(callee, i) {
		args := callee.forwardArgs(c)
		if fw.Param >= len(args) {
			continue
		}
		for _, fr := range sh.f.funcValueResults(args[fw.Param], fw.Of, make(map[funcResult]bool)) {
			out = append(out, sh.funcResultOrigins(fr, call.Pos())...)
		}
	}
	return out
}

// argOrigins returns why what a callee is given as an argument, and
// awaits or hands back, is shared: a Deferred, the Deferreds in a slice,
// or those a function returns (a method value given to a helper that
// calls it for every item and gathers the results), the callee's call of
// it being at site.
func (sh *sharing) argOrigins(arg ssa.Value, site token.Pos) []sharedOrigin {
	if cancelmodel.IsDeferredType(arg.Type()) {
		return sh.origins(arg)
	}
	sig, ok := arg.Type().Underlying().(*types.Signature)
	if !ok {
		return sh.elemOrigins(arg)
	}
	var out []sharedOrigin
	for i := 0; i < sig.Results().Len(); i++ {
		if !cancelmodel.IsDeferredType(sig.Results().At(i).Type()) {
			continue
		}
		for _, fr := range sh.f.funcValueResults(arg, i, make(map[funcResult]bool)) {
			out = append(out, sh.funcResultOrigins(fr, site)...)
		}
	}
	return out
}

// argRef returns whether a callee's shared result r is shared for this
// call, and through which of this function's parameters, given the
// arguments of the call (receiver first; nil when not known): a result
// shared through a parameter is shared when the argument is; one shared
// through a parameter of the function that encloses a literal is judged
// by that function's parameter, when this is that function.
func (sh *sharing) argRef(r SharedResult, callee Callee, args []ssa.Value) (paramRef, bool) {
	switch ref := r.ref(); {
	case !ref.viaParam:
		return paramRef{}, true
	case ref.outer:
		if callee.Local == nil || callee.Local.SSA.Parent() != sh.f.SSA {
			return paramRef{}, true // not where the literal was made: shared
		}
		args = nil
		for _, p := range sh.f.SSA.Params {
			args = append(args, p)
		}
	}
	if r.Param < 0 || r.Param >= len(args) || args[r.Param] == nil {
		return paramRef{}, false
	}
	p := sh.storage(args[r.Param])
	return p.paramRef, p.shared
}

// funcResultOrigins returns why result fr.of of the function value fr.fn
// is shared, when a forwarding callee called at site calls it: from the
// function's shared results. A result shared through a parameter is
// judged by the arguments the forwarding callee gives, which are not
// known, except for the receiver bound in a method value.
func (sh *sharing) funcResultOrigins(fr funcResult, site token.Pos) []sharedOrigin {
	g := sh.f.FuncValue(fr.fn)
	var out []sharedOrigin
	for _, r := range sh.f.sharedResults(g) {
		if r.Index != fr.of || r.Storage {
			continue
		}
		var args []ssa.Value
		if mc, ok := fr.fn.(*ssa.MakeClosure); ok && g.Recv && len(mc.Bindings) == 1 {
			args = mc.Bindings // a method value: its receiver is bound
		}
		if ref, ok := sh.argRef(r, g, args); ok {
			out = append(out, sharedOrigin{site: site, from: &r, paramRef: ref})
		}
	}
	return out
}

// elemOrigins returns why the Deferreds in a slice are shared: the values
// put into it in this function (in a literal, by append, at an index), or
// the shared storage the slice was loaded from. A slice that is a
// parameter is the caller's: nothing is said of its elements (a helper
// that gathers what it is given is not judged on a guess).
func (sh *sharing) elemOrigins(s ssa.Value) []sharedOrigin {
	var out []sharedOrigin
	seen := make(map[ssa.Value]bool)
	var visit func(v ssa.Value)
	visit = func(v ssa.Value) {
		if v == nil || seen[v] {
			return
		}
		seen[v] = true
		for _, val := range indexStores(v) {
			out = append(out, sh.origins(val)...)
		}
		switch x := v.(type) {
		case *ssa.Const, *ssa.Alloc, *ssa.MakeSlice:
			return // made here: only what is stored into it
		case *ssa.Phi:
			for _, e := range x.Edges {
				visit(e)
			}
			return
		case *ssa.ChangeType:
			visit(x.X)
			return
		case *ssa.Slice:
			visit(x.X)
			return
		case *ssa.UnOp:
			if _, ok := x.X.(*ssa.Alloc); ok && x.Op == token.MUL {
				for _, val := range reachingStores(x) {
					visit(val)
				}
				return
			}
		case *ssa.Call:
			if b, ok := x.Call.Value.(*ssa.Builtin); ok && b.Name() == "append" {
				for _, a := range x.Call.Args {
					visit(a)
				}
			}
			return // what a callee hands back is not followed
		case *ssa.Parameter:
			if !sh.isReceiver(x) {
				return
			}
		}
		if p := sh.storage(v); p.shared {
			e := p.elem()
			out = append(out, e.origin(e.loadReason()))
		}
	}
	visit(s)
	return out
}

// indexStores returns the values stored through an index of v (v[i] = x).
func indexStores(v ssa.Value) []ssa.Value {
	refs := v.Referrers()
	if refs == nil {
		return nil
	}
	var out []ssa.Value
	for _, r := range *refs {
		ia, ok := r.(*ssa.IndexAddr)
		if !ok || ia.X != v {
			continue
		}
		for _, r2 := range *ia.Referrers() {
			if st, ok := r2.(*ssa.Store); ok && st.Addr == ia {
				out = append(out, st.Val)
			}
		}
	}
	return out
}

// isReceiver reports whether p is the receiver of the function's method.
func (sh *sharing) isReceiver(p *ssa.Parameter) bool {
	return sh.f.SSA.Signature.Recv() != nil && len(sh.f.SSA.Params) > 0 && sh.f.SSA.Params[0] == p
}

// A place is where a value is kept, as far as sharing goes.
type place struct {
	shared bool           // other calls can reach it
	name   string         // as messages show it: "cache", "s.inflight"
	key    types.Object   // the package variable or field; nil for others
	keys   []types.Object // the package variable and fields on the way to it
	// stored: a value made in this call, stored in shared storage,
	// which this names ("map g.calls"); name is then the path from it.
	stored   string
	paramRef // the parameter it is reached through, if any
}

// A paramRef says that storage is reached through a parameter: it is
// shared only when what the caller passes there is.
type paramRef struct {
	viaParam bool
	param    int  // receiver first
	outer    bool // a parameter of the enclosing function (captured by a literal)
}

// ref is the paramRef of a shared result.
func (r SharedResult) ref() paramRef { return paramRef{r.ViaParam, r.Param, r.outer} }

// setRef records a paramRef in a shared result.
func (r *SharedResult) setRef(p paramRef) {
	r.ViaParam, r.Param, r.outer = p.viaParam, p.param, p.outer
}

func (p place) origin(reason string) sharedOrigin {
	return sharedOrigin{reason: reason, keys: p.keys, paramRef: p.paramRef}
}

// label names the place in messages.
func (p place) label() string {
	switch {
	case p.stored == "":
		return p.name
	case p.name == "":
		return "a value stored in " + p.stored
	}
	return strings.TrimPrefix(p.name, ".") + " of a value stored in " + p.stored
}

func (p place) loadReason() string {
	if v, ok := p.key.(*types.Var); ok {
		if v.IsField() {
			return "loaded from field " + p.label()
		}
		return "package variable " + p.label()
	}
	return "loaded from " + p.label()
}

// field is the place of field i of a struct (or pointer to struct) of
// type t kept at p.
func (p place) field(t types.Type, i int) place {
	if ptr, ok := types.Unalias(t).(*types.Pointer); ok {
		t = ptr.Elem()
	}
	s, ok := t.Underlying().(*types.Struct)
	if !ok || i < 0 || i >= s.NumFields() {
		return place{}
	}
	fv := s.Field(i).Origin()
	p.name += "." + fv.Name()
	p.key = fv
	p.keys = append(slices.Clip(p.keys), fv)
	return p
}

// elem is the place of an element of a map, slice or array kept at p.
func (p place) elem() place {
	if p.shared {
		p.name += "[…]"
	}
	p.key = nil
	return p
}

// storage returns the place of what a reference value (a map, a pointer, a
// slice, a struct holding them) refers to. It is shared when it is reached
// through a package variable, a parameter (the receiver, or a value the
// caller may hand to other calls too), a variable captured by a closure
// that may run more than once, or a callee's result that its fact says
// refers to shared storage; not when it was made in this call, unless it
// is stored into shared storage that the package hands Deferreds out of.
func (sh *sharing) storage(v ssa.Value) place {
	switch x := v.(type) {
	case *ssa.UnOp:
		if _, ok := x.X.(*ssa.Alloc); ok && x.Op == token.MUL {
			return sh.variableStorage(x)
		}
		if x.Op == token.MUL {
			return sh.addrStorage(x.X)
		}
	case *ssa.Global, *ssa.FieldAddr, *ssa.IndexAddr, *ssa.FreeVar:
		return sh.addrStorage(x)
	case *ssa.Field:
		return sh.storage(x.X).field(x.X.Type(), x.Field)
	case *ssa.Index:
		return sh.storage(x.X).elem()
	case *ssa.Lookup:
		return sh.storage(x.X).elem()
	case *ssa.Extract:
		switch t := x.Tuple.(type) {
		case *ssa.Lookup:
			if x.Index == 0 {
				return sh.storage(t.X).elem()
			}
		case *ssa.TypeAssert:
			if x.Index == 0 {
				return sh.storage(t.X)
			}
		case *ssa.Call:
			return sh.callStorage(t, x.Index)
		case *ssa.Next:
			if r, ok := t.Iter.(*ssa.Range); ok && x.Index == 2 && !t.IsString {
				return sh.storage(r.X).elem()
			}
		}
	case *ssa.Call:
		return sh.callStorage(x, 0)
	case *ssa.Parameter:
		if i := slices.Index(sh.f.SSA.Params, x); i >= 0 {
			return place{shared: true, name: x.Name(), paramRef: paramRef{viaParam: true, param: i}}
		}
	case *ssa.ChangeType:
		return sh.storage(x.X)
	case *ssa.Slice:
		return sh.storage(x.X)
	case *ssa.MakeInterface:
		return sh.storage(x.X)
	case *ssa.ChangeInterface:
		return sh.storage(x.X)
	case *ssa.TypeAssert:
		if !x.CommaOk {
			return sh.storage(x.X)
		}
	case *ssa.Phi:
		if sh.busy[x] {
			return place{}
		}
		sh.busy[x] = true
		defer delete(sh.busy, x)
		for _, e := range x.Edges {
			if p := sh.storage(e); p.shared {
				return p
			}
		}
	case *ssa.Alloc:
		if p := sh.copiedPlace(x); p.shared {
			return p
		}
		return sh.storedPlace(x)
	case *ssa.MakeMap, *ssa.MakeSlice:
		return sh.storedPlace(x)
	}
	return place{}
}

// copiedPlace returns the place of a local variable of struct or array
// type that holds a copy of a value kept in shared storage (e := m[k]):
// the Deferreds in its fields are the stored value's.
func (sh *sharing) copiedPlace(alloc *ssa.Alloc) place {
	switch types.Unalias(alloc.Type().(*types.Pointer).Elem()).Underlying().(type) {
	case *types.Struct, *types.Array:
	default:
		return place{}
	}
	if sh.busy[alloc] {
		return place{}
	}
	sh.busy[alloc] = true
	defer delete(sh.busy, alloc)
	for _, v := range allocStores(alloc) {
		if p := sh.storage(v); p.shared {
			return p
		}
	}
	return place{}
}

// callStorage returns the place that result i of a call refers to: an
// element of the sync.Map it loads from, or the shared storage that the
// callee's fact says it returns (judged by the caller's argument when it
// is reached through a parameter).
func (sh *sharing) callStorage(call *ssa.Call, i int) place {
	c := call.Common()
	callee := sh.f.Callee(c)
	if syncMapLoad(callee) && i == 0 && len(c.Args) > 0 {
		return sh.storage(c.Args[0]).elem()
	}
	if sh.loadsOnly {
		return place{}
	}
	for _, r := range sh.f.sharedResults(callee) {
		if r.Index != i || !r.Storage {
			continue
		}
		if ref, ok := sh.argRef(r, callee, callee.CallArgs(c)); ok {
			return place{shared: true, name: r.Name, paramRef: ref}
		}
	}
	return place{}
}

// storedPlace returns the place of a value made in this call (a struct, a
// map, a slice): shared when it is stored into shared storage from which
// the package hands Deferreds out, so that other calls load it there.
func (sh *sharing) storedPlace(v ssa.Value) place {
	if sh.loadsOnly || sh.busy[v] || v.Referrers() == nil {
		return place{}
	}
	sh.busy[v] = true
	defer delete(sh.busy, v)
	for _, r := range *v.Referrers() {
		var p place
		what := ""
		switch r := r.(type) {
		case *ssa.MapUpdate:
			if r.Value != v {
				continue
			}
			p = sh.storage(r.Map)
			what = "map "
		case *ssa.Store:
			if r.Val != v {
				continue
			}
			p = sh.addrStorage(r.Addr)
		default:
			continue
		}
		if p.shared && len(p.keys) > 0 && sh.f.s.storageHandedOut(p.keys) {
			return place{shared: true, stored: what + p.label(), keys: p.keys, paramRef: p.paramRef}
		}
	}
	return place{}
}

// variableStorage returns the place that a local variable refers to, read
// by load: the place of a value stored into it that reaches the load. A
// parameter captured by a function literal is such a variable (SSA keeps
// it in memory), and it still refers to the caller's value.
func (sh *sharing) variableStorage(load *ssa.UnOp) place {
	if sh.busy[load] {
		return place{} // x = x.next: what the cycle adds is found elsewhere
	}
	sh.busy[load] = true
	defer delete(sh.busy, load)
	for _, val := range reachingStores(load) {
		if p := sh.storage(val); p.shared {
			return p
		}
	}
	return place{}
}

// addrStorage returns the place an address points into.
func (sh *sharing) addrStorage(addr ssa.Value) place {
	switch x := addr.(type) {
	case *ssa.Global:
		return place{shared: true, name: x.Name(), key: x.Object(), keys: []types.Object{x.Object()}}
	case *ssa.FieldAddr:
		return sh.storage(x.X).field(x.X.Type(), x.Field)
	case *ssa.IndexAddr:
		return sh.storage(x.X).elem()
	case *ssa.FreeVar:
		return sh.freeVarStorage(x)
	}
	return place{}
}

// freeVarStorage returns the place of a captured variable: shared when the
// closure may run more than once with it (it is returned, stored, or
// registered as an entry point), else the place the enclosing function
// gave it.
func (sh *sharing) freeVarStorage(fv *ssa.FreeVar) place {
	fn := sh.f.SSA
	parent := sh.f.s.byFunc[fn.Parent()]
	idx := slices.Index(fn.FreeVars, fv)
	if parent == nil || idx < 0 {
		return place{}
	}
	for _, b := range parent.SSA.Blocks {
		for _, instr := range b.Instrs {
			mc, ok := instr.(*ssa.MakeClosure)
			if !ok || mc.Fn != fn || idx >= len(mc.Bindings) {
				continue
			}
			if parent.closureOutlives(mc) {
				return place{shared: true, name: fv.Name()}
			}
			// The closure runs within one call of the enclosing function:
			// the variable is shared if what it holds there is.
			outer := newSharing(parent, true)
			held := []ssa.Value{mc.Bindings[idx]}
			if alloc, ok := mc.Bindings[idx].(*ssa.Alloc); ok {
				held = allocStores(alloc) // a captured variable
			}
			for _, v := range held {
				if p := outer.storage(v); p.shared {
					p.name = fv.Name()
					// A parameter of the enclosing function, not of
					// this one; two levels up, it is taken as shared.
					p.outer = p.viaParam && !p.outer
					p.viaParam = p.outer
					return p
				}
			}
			return place{}
		}
	}
	return place{}
}

// closureOutlives reports whether the closure mc may run more than once with the
// same captured variables: it is returned, stored, sent, or passed to a
// //cancelcheck:marks-cancellable registration.
func (f *Func) closureOutlives(mc *ssa.MakeClosure) bool {
	for _, r := range *mc.Referrers() {
		switch r := r.(type) {
		case *ssa.Return, *ssa.Store, *ssa.MapUpdate, *ssa.Send:
			return true
		case *ssa.Call:
			if callee := f.Callee(r.Common()); callee.Summary != nil && callee.Summary.MarksCancellable &&
				slices.Contains(r.Call.Args, ssa.Value(mc)) {
				return true
			}
		}
	}
	return false
}

// storedShared reports a Deferred that is stored as it is into shared
// storage that this package also reads Deferreds from and hands out: the
// caller that stores it shares it with the callers that load it.
// (Appending it to a list of waiters does not share it.)
func (sh *sharing) storedShared(v ssa.Value) (sharedOrigin, bool) {
	refs := v.Referrers()
	if refs == nil || !cancelmodel.IsDeferredType(v.Type()) {
		return sharedOrigin{}, false
	}
	for _, r := range *refs {
		var p place
		what := "stored in "
		switch r := r.(type) {
		case *ssa.MapUpdate:
			if r.Value != v {
				continue
			}
			p = sh.storage(r.Map)
			what += "map "
		case *ssa.Store:
			if r.Val != v {
				continue
			}
			p = sh.addrStorage(r.Addr)
		default:
			continue
		}
		if p.shared && len(p.keys) > 0 && sh.f.s.storageHandedOut(p.keys) {
			return p.origin(what + p.label()), true
		}
	}
	return sharedOrigin{}, false
}

// firedOnly reports whether every value the package stores into the
// package variable g is a Deferred that has fired (Succeed, Fail): sharing
// it is harmless, since cancelling a fired Deferred does nothing.
func (f *Func) firedOnly(g *ssa.Global) bool {
	stores := 0
	for _, fn := range f.s.allFuncs() {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				st, ok := instr.(*ssa.Store)
				if !ok || st.Addr != g {
					continue
				}
				call, ok := st.Val.(*ssa.Call)
				if !ok {
					return false
				}
				if name := f.Callee(call.Common()).Runtime; name != "Succeed" && name != "Fail" {
					return false
				}
				stores++
			}
		}
	}
	return stores > 0
}

// allFuncs lists the package's source functions and initialisers.
func (s *state) allFuncs() []*ssa.Function {
	out := slices.Clone(s.inits)
	for _, f := range s.funcs {
		out = append(out, f.SSA)
	}
	return out
}

// storageHandedOut reports whether some function of the package loads a
// Deferred from the storage that keys lead to, or from inside it, and
// returns or awaits it.
func (s *state) storageHandedOut(keys []types.Object) bool {
	for _, g := range s.funcs {
		if g.failed {
			continue
		}
		sh := newSharing(g, true)
		for _, b := range g.SSA.Blocks {
			for _, instr := range b.Instrs {
				var vals []ssa.Value
				switch instr := instr.(type) {
				case *ssa.Return:
					vals = instr.Results
				case *ssa.Call:
					if g.Callee(instr.Common()).Runtime == "Await" && len(instr.Call.Args) == 2 {
						vals = instr.Call.Args[1:]
					}
				}
				for _, v := range vals {
					if !cancelmodel.IsDeferredType(v.Type()) {
						continue
					}
					for _, o := range sh.origins(v) {
						if len(o.keys) >= len(keys) && slices.Equal(o.keys[:len(keys)], keys) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

// allocStores returns the values stored into a local variable.
func allocStores(alloc *ssa.Alloc) []ssa.Value {
	var vals []ssa.Value
	for _, r := range *alloc.Referrers() {
		if st, ok := r.(*ssa.Store); ok && st.Addr == alloc {
			vals = append(vals, st.Val)
		}
	}
	return vals
}

// dedupOrigins keeps one origin per place a Deferred comes from.
func dedupOrigins(os []sharedOrigin) []sharedOrigin {
	var out []sharedOrigin
	seen := make(map[string]bool)
	for _, o := range os {
		k := o.reason
		if o.from != nil {
			k = o.from.Pos
		} else {
			k = "here"
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, o)
		}
	}
	return out
}

// normalizeShared sorts shared results, keeps one per result, kind and
// position, and at most MaxLatent.
func normalizeShared(rs []SharedResult) []SharedResult {
	if len(rs) == 0 {
		return nil
	}
	slices.SortStableFunc(rs, func(a, b SharedResult) int {
		return cmp.Or(cmp.Compare(a.Index, b.Index), comparePos(a.Pos, b.Pos), compareBool(a.Storage, b.Storage),
			cmp.Compare(len(a.Path), len(b.Path)))
	})
	rs = slices.CompactFunc(rs, func(a, b SharedResult) bool {
		return a.Index == b.Index && a.Pos == b.Pos && a.Storage == b.Storage
	})
	return slices.Clip(rs[:min(len(rs), MaxLatent)])
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// --- Positions and fixes in this package's syntax. ---

// posOf turns a "file:line:col" of this package back into a position.
func (s *state) posOf(pos string) token.Pos {
	file, line, col := splitPos(pos)
	for tf := range s.files {
		if tf.Name() != file || line < 1 || line > tf.LineCount() {
			continue
		}
		start := tf.LineStart(line)
		off := tf.Offset(start) + col - 1
		if col < 1 || off > tf.Size() {
			return token.NoPos
		}
		return tf.Pos(off)
	}
	return token.NoPos
}

// syntaxPath returns the nodes of the file of pos, from the file
// down to the innermost one that contains pos.
func (s *state) syntaxPath(pos token.Pos) []ast.Node {
	if !pos.IsValid() {
		return nil
	}
	file := s.files[s.pass.Fset.File(pos)]
	if file == nil {
		return nil
	}
	var path []ast.Node
	ast.Inspect(file, func(n ast.Node) bool {
		if n == nil || pos < n.Pos() || pos >= n.End() {
			return false
		}
		path = append(path, n)
		return true
	})
	return path
}

// exprStartingAt returns the outermost expression that starts at pos.
func (s *state) exprStartingAt(pos token.Pos) ast.Expr {
	for _, n := range s.syntaxPath(pos) {
		if e, ok := n.(ast.Expr); ok && e.Pos() == pos {
			return e
		}
	}
	return nil
}

// returnedExpr returns the expression of result i of a return statement,
// when the statement lists its results one by one.
func (f *Func) returnedExpr(ret *ssa.Return, i int) ast.Expr {
	for _, n := range f.s.syntaxPath(ret.Pos()) {
		if rs, ok := n.(*ast.ReturnStmt); ok && rs.Return == ret.Pos() {
			if len(rs.Results) == len(ret.Results) && i < len(rs.Results) {
				return rs.Results[i]
			}
			return nil
		}
	}
	return nil
}

// callSyntax returns the syntax of a call.
func (f *Func) callSyntax(call *ssa.Call) *ast.CallExpr {
	path := f.s.syntaxPath(call.Pos())
	for i := len(path) - 1; i >= 0; i-- {
		if ce, ok := path[i].(*ast.CallExpr); ok && ce.Lparen == call.Pos() {
			return ce
		}
	}
	return nil
}

// callArgSyntax returns the syntax of argument i of a call.
func (f *Func) callArgSyntax(call *ssa.Call, i int) ast.Expr {
	if ce := f.callSyntax(call); ce != nil && i < len(ce.Args) && !ce.Ellipsis.IsValid() {
		return ce.Args[i]
	}
	return nil
}

// runtimeImportName returns the name under which the file containing pos imports
// path, or "" when it does not (or only as _ or .).
func (s *state) runtimeImportName(pos token.Pos, path string) string {
	file := s.files[s.pass.Fset.File(pos)]
	if file == nil {
		return ""
	}
	for _, imp := range file.Imports {
		if imp.Path == nil || strings.Trim(imp.Path.Value, "\"`") != path {
			continue
		}
		if imp.Name == nil {
			return path[strings.LastIndex(path, "/")+1:]
		}
		if imp.Name.Name == "_" || imp.Name.Name == "." {
			return ""
		}
		return imp.Name.Name
	}
	return ""
}

// wrapCallFix returns the fix that wraps e in deferred.<fn>(...), when the
// file imports the runtime.
func (s *state) wrapCallFix(e ast.Expr, fn, message string) []analysis.SuggestedFix {
	name := s.runtimeImportName(e.Pos(), cancelmodel.DeferredPath)
	if name == "" {
		return nil
	}
	return []analysis.SuggestedFix{{
		Message: message,
		TextEdits: []analysis.TextEdit{
			{Pos: e.Pos(), End: e.Pos(), NewText: []byte(name + "." + fn + "(")},
			{Pos: e.End(), End: e.End(), NewText: []byte(")")},
		},
	}}
}
