package cancellable

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// Func is one source function of the package being analysed (a function,
// a method, or a function literal), as the detectors see it while its
// Summary is computed.
type Func struct {
	SSA *ssa.Function
	// Summary is the summary being computed. Detectors add result flags
	// with SetResult and problems with Report; the rest is the pass's.
	Summary Summary

	s      *state
	decl   *ast.FuncDecl // nil for function literals
	latent []latent      // Summary.Latent with what only this pass knows
	failed bool          // an internal error occurred: the function is skipped
	taints []*taint      // the flows of its sources, during one computation
	// carriers memoises carriesContext during one computation.
	carriers map[ssa.Value]bool
	// objects memoises objectCarries during one computation.
	objects map[ssa.Value]bool
	// calls memoises Callee during one computation.
	calls map[*ssa.CallCommon]Callee
	// paramProblems are Summary.ParamProblems with what only this pass
	// knows.
	paramProblems []paramLatent
	// shared is what the shareddeferred rule's fact says of the
	// function, kept here for callers in this package: a function
	// literal has no object to carry the fact.
	shared SharedResults
	// waits is what the logcontextleak rule's fact says of the function
	// (the parameters it waits for), kept here for the same reason.
	waits []int
}

// A latent problem as the pass holds it in memory: the exported Problem,
// plus where to report it in this package and how to fix it there.
type latent struct {
	Problem
	pos   token.Pos // the problem (local) or the call site that reaches it (remote)
	local bool      // the problem itself is in this package
	fixes []analysis.SuggestedFix
	// notes are related information shown after the call path: where
	// the problem's parts are (the context rules' uses of a context).
	notes []analysis.RelatedInformation
}

// Pass returns the analysis pass.
func (f *Func) Pass() *analysis.Pass { return f.s.pass }

// Name returns the function's name as call paths show it: "fetch",
// "Room.Load", "OnGet.func1".
func (f *Func) Name() string { return displayName(f.SSA) }

// Report adds a problem found in this function's own code. It becomes a
// finding of rule wherever an entry point reaches the function (for a
// context rule: where it is). A problem suppressed by a
// //cancelcheck:ignore directive is dropped here, so that it is
// suppressed for every caller, in every package.
//
// reason is the finding's message, one short clause saying what is wrong
// and the fix, then, after a newline, why it is wrong: what cancellation
// does there (see Because).
func (f *Func) Report(rule string, pos token.Pos, reason string, fixes ...analysis.SuggestedFix) {
	if !pos.IsValid() || f.s.dirs.ignored(f.s.pass.Fset, rule, pos) {
		return
	}
	msg, why, _ := strings.Cut(reason, "\n")
	f.latent = append(f.latent, latent{
		Problem: Problem{
			Rule:    rule,
			Pos:     f.s.pass.Fset.Position(pos).String(),
			Reason:  msg,
			Why:     why,
			Fixable: len(fixes) > 0,
			Path:    []Step{{Pkg: f.s.pass.Pkg.Path(), Func: f.Name()}},
		},
		pos:   pos,
		local: true,
		fixes: fixes,
	})
}

// Because joins a finding's message (what is wrong, and the fix) and why
// it is wrong, as Report takes them.
func Because(msg, why string) string { return msg + "\n" + why }

// SetResult adds flags to what result i may carry.
func (f *Func) SetResult(i int, flags Flags) {
	if flags == 0 {
		return
	}
	for len(f.Summary.Results) <= i {
		f.Summary.Results = append(f.Summary.Results, 0)
	}
	f.Summary.Results[i] |= flags
}

func (f *Func) reset() {
	f.Summary = Summary{Cancellable: f.Summary.Cancellable, MarksCancellable: f.Summary.MarksCancellable}
	f.latent = nil
	f.taints = nil
	f.carriers = nil
	f.objects = nil
	f.calls = nil
	f.paramProblems = nil
}

// finish normalises the summary: sorted, deduplicated, capped. The
// context rules' problems stay out of it: they are reported where they
// are, not through callers.
func (f *Func) finish() {
	f.latent = normalizeLatent(f.latent)
	f.Summary.Latent = nil
	for _, l := range f.latent {
		if !isContextRule(l.Rule) {
			f.Summary.Latent = append(f.Summary.Latent, l.Problem)
		}
	}
	f.Summary.normalize()
}

// A Callee is what a call or a function value resolves to.
type Callee struct {
	Func    *types.Func // the function or method (its generic origin); nil for literals and unresolved values
	Local   *Func       // the source function, when it is in this package
	Summary *Summary    // its summary: being computed (local) or imported; nil when it has none
	Runtime string      // its name in the runtime ("Await", "Deferred.AddErrback"), if it is one
	Name    string      // as call paths show it
	Recv    bool        // it is a method: call arguments start with the receiver
	// Members are the functions a dynamic call (through an interface, or
	// of a function value kept in a variable or field) may call; Summary
	// joins theirs, and Func is the interface method (nil for a function
	// value). Closed reports that the call calls one of them and nothing
	// else the analysis cannot see.
	Members []Callee
	Closed  bool
	// hidden: a method of an unexported type of another package, known by
	// that package's PackageFact only (Func is nil; Summary is the
	// method's).
	hidden *HiddenMethod
}

// Resolved reports whether the callee is known.
func (c Callee) Resolved() bool {
	return c.Func != nil || c.Local != nil || len(c.Members) > 0 || c.hidden != nil
}

// Callee resolves the function a call calls: static functions and methods,
// generic instantiations (through their origin), function literals, method
// values; and, as a joined Callee with Members, the methods a call through
// an interface may call and the functions a function value kept in a
// variable or field may be (see callees.go). A call that resolves to
// nothing is not resolved: nothing is inferred from it.
func (f *Func) Callee(c *ssa.CallCommon) Callee {
	if callee, ok := f.calls[c]; ok {
		return callee
	}
	var callee Callee
	switch {
	case c.IsInvoke():
		if members, closed := f.s.invokeCallees(c); len(members) > 0 {
			callee = join(f.calleeName(c, Callee{}), c.Method, true, members)
			callee.Closed = closed
		}
	default:
		callee = f.FuncValue(c.Value)
		if !callee.Resolved() {
			if members, known := f.funcValues(c.Value, make(map[ssa.Value]bool)); len(members) > 0 {
				if len(members) == 1 && known {
					callee = members[0]
				} else {
					callee = join(members[0].Name, nil, false, members)
					callee.Closed = known
				}
			}
		}
	}
	if f.calls == nil {
		f.calls = make(map[*ssa.CallCommon]Callee)
	}
	f.calls[c] = callee
	return callee
}

// FuncValue resolves a function value the same way.
func (f *Func) FuncValue(v ssa.Value) Callee {
	switch v := v.(type) {
	case *ssa.Function:
		return f.s.callee(v)
	case *ssa.MakeClosure:
		if fn, ok := v.Fn.(*ssa.Function); ok {
			return f.s.callee(fn)
		}
	case *ssa.ChangeType:
		return f.FuncValue(v.X)
	}
	return Callee{}
}

func (s *state) callee(fn *ssa.Function) Callee {
	if local := s.localFunc(fn); local != nil {
		lf := s.byFunc[local]
		c := Callee{Local: lf, Summary: &lf.Summary, Name: lf.Name(), Recv: local.Signature.Recv() != nil}
		if obj, ok := local.Object().(*types.Func); ok {
			c.Func = obj.Origin()
		}
		return c
	}
	obj, _ := fn.Object().(*types.Func)
	if obj == nil {
		return Callee{}
	}
	obj = obj.Origin()
	c := Callee{Func: obj, Name: s.objName(obj), Recv: obj.Type().(*types.Signature).Recv() != nil}
	if name, ok := cancelmodel.Name(obj); ok {
		c.Runtime = name
		return c
	}
	c.Summary = s.importSummary(obj)
	return c
}

// Args returns the call's arguments with the variadic ones expanded when
// the call site builds the slice itself (f(a, b...) is left as it is).
func Args(c *ssa.CallCommon) []ssa.Value {
	args := c.Args
	sig := c.Signature()
	if sig == nil || !sig.Variadic() || len(args) == 0 {
		return args
	}
	if elems, ok := sliceElems(args[len(args)-1]); ok {
		return append(slices.Clip(args[:len(args)-1]), elems...)
	}
	return args
}

// sliceElems returns the values stored into a slice literal built by the
// call site (the form SSA gives variadic arguments), in index order.
func sliceElems(v ssa.Value) ([]ssa.Value, bool) {
	if c, ok := v.(*ssa.Const); ok && c.IsNil() {
		return nil, true
	}
	sl, ok := v.(*ssa.Slice)
	if !ok {
		return nil, false
	}
	alloc, ok := sl.X.(*ssa.Alloc)
	if !ok {
		return nil, false
	}
	arr, ok := alloc.Type().(*types.Pointer).Elem().Underlying().(*types.Array)
	if !ok {
		return nil, false
	}
	elems := make([]ssa.Value, arr.Len())
	for _, r := range *alloc.Referrers() {
		ia, ok := r.(*ssa.IndexAddr)
		if !ok {
			continue
		}
		idx, ok := ia.Index.(*ssa.Const)
		if !ok {
			return nil, false
		}
		i, _ := strconv.Atoi(idx.Value.ExactString())
		for _, r2 := range *ia.Referrers() {
			if st, ok := r2.(*ssa.Store); ok && st.Addr == ia && i < len(elems) {
				elems[i] = st.Val
			}
		}
	}
	for _, e := range elems {
		if e == nil {
			return nil, false
		}
	}
	return elems, true
}

// scanCalls records what the function's calls contribute to its summary:
// suspension, the problems of everything it runs, the parameters it runs.
func (f *Func) scanCalls() {
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			var c *ssa.CallCommon
			dropped := false // the call's results are not used
			switch instr := instr.(type) {
			case *ssa.Call:
				c, dropped = instr.Common(), !used(instr)
			case *ssa.Defer:
				c, dropped = instr.Common(), true
			default:
				continue // go statements leave the call tree (docs/analysis.md)
			}
			f.scanCall(c, instr.Pos(), dropped)
		}
	}
}

func (f *Func) scanCall(c *ssa.CallCommon, site token.Pos, dropped bool) {
	if p := f.param(c.Value); p >= 0 && !c.IsInvoke() {
		f.Summary.RunsParams = append(f.Summary.RunsParams, p)
	}
	callee := f.Callee(c)
	if c.IsInvoke() && !callee.Closed && f.s.runtime {
		f.recordDynamic(c, site)
	}
	if !callee.Resolved() {
		return
	}
	if callee.Runtime != "" {
		args := callee.CallArgs(c)
		if _, ok := cancelmodel.AwaitErrorResult(callee.Func); ok {
			f.Summary.Suspends = true
		}
		if k, inTree, ok := cancelmodel.TaskStarter(callee.Func); ok && inTree && !dropped && k < len(args) {
			// A started Task whose Deferred is dropped is out of the call
			// tree: nobody holds what would cancel it (it may outlive the
			// request: logcontextleak's).
			f.runs(args[k], site)
		}
		for _, k := range cancelmodel.ChainCallbacks(callee.Func) {
			if k < len(args) {
				f.runs(args[k], site)
			}
		}
		return
	}
	if callee.Summary == nil {
		return
	}
	if callee.Summary.Suspends {
		f.Summary.Suspends = true
	}
	f.inherit(callee, site)
	if f.s.runtime {
		f.inheritDynamic(callee, site)
	}
	args := callee.CallArgs(c)
	if callee.Recv {
		args = args[1:]
	}
	for _, p := range callee.Summary.RunsParams {
		if p < len(args) {
			f.runs(args[p], site)
		}
	}
	f.inheritParamProblems(callee, args, site)
}

// Signature returns the callee's declared signature (its generic origin's),
// or nil when the callee is not resolved.
func (c Callee) Signature() *types.Signature {
	switch {
	case c.Local != nil:
		return c.Local.SSA.Signature
	case c.Func != nil:
		return c.Func.Type().(*types.Signature)
	}
	return nil
}

// recvOffset is 1 when a call's arguments start with the callee's
// receiver (a static method call, or a call of a method expression), 0
// otherwise (a function, or a method value whose receiver is bound), seen
// through conversions to named function types.
func recvOffset(c *ssa.CallCommon, callee Callee) int {
	if sig := callee.Signature(); callee.Recv && sig != nil && len(c.Args) == sig.Params().Len()+1 {
		return 1
	}
	return 0
}

// CallArgs returns the arguments of a call to the callee in the order of
// its declared parameters, receiver first for a method: the first
// argument of a static method call or a method expression, the receiver
// bound in a method value (nil when it cannot be seen). Variadic
// arguments are as the call passes them (see Args).
func (c Callee) CallArgs(call *ssa.CallCommon) []ssa.Value {
	if call.IsInvoke() {
		return append([]ssa.Value{call.Value}, call.Args...)
	}
	if !c.Recv || recvOffset(call, c) == 1 {
		return call.Args
	}
	var recv ssa.Value
	if mc, ok := unconvert(call.Value).(*ssa.MakeClosure); ok && len(mc.Bindings) == 1 {
		recv = mc.Bindings[0] // a bound method wrapper's one free variable
	}
	return append([]ssa.Value{recv}, call.Args...)
}

// unconvert returns v seen through conversions between function types.
func unconvert(v ssa.Value) ssa.Value {
	for {
		ct, ok := v.(*ssa.ChangeType)
		if !ok {
			return v
		}
		v = ct.X
	}
}

// runs records that the function value v runs in this function's call
// tree (it is started in-tree, or runs in a Deferred's chain): its problems
// become this function's, at site.
func (f *Func) runs(v ssa.Value, site token.Pos) {
	if p := f.param(v); p >= 0 {
		f.Summary.RunsParams = append(f.Summary.RunsParams, p)
		return
	}
	if callee := f.FuncValue(v); callee.Summary != nil {
		f.inherit(callee, site)
	}
}

// param returns the index (receiver excluded) of the parameter v is, seen
// through conversions, or -1.
func (f *Func) param(v ssa.Value) int {
	p, ok := unconvert(v).(*ssa.Parameter)
	if !ok || p.Parent() != f.SSA {
		return -1
	}
	i := slices.Index(f.SSA.Params, p)
	if f.SSA.Signature.Recv() != nil {
		i--
	}
	return i
}

// inherit adds the callee's latent problems to this function's, with this
// function prepended to their call paths.
func (f *Func) inherit(callee Callee, site token.Pos) {
	for _, m := range callee.Members {
		if m.Summary != nil {
			f.inherit(m, site)
		}
	}
	if len(callee.Members) > 0 || callee.Local == f {
		return // a call of itself adds no problem it does not have, only doubles them
	}
	if callee.Local != nil && len(callee.Local.latent) == 0 || callee.Local == nil && len(callee.Summary.Latent) == 0 {
		return
	}
	site = f.s.callStart(site)
	step := Step{Pkg: f.s.pass.Pkg.Path(), Func: f.Name(), Call: f.s.pass.Fset.Position(site).String()}
	if callee.Local != nil {
		for _, l := range callee.Local.latent {
			if isContextRule(l.Rule) {
				continue
			}
			l.Path = prepend(step, l.Path)
			f.latent = append(f.latent, l)
		}
		return
	}
	if site == token.NoPos {
		return // never a finding without a position
	}
	for _, p := range callee.Summary.Latent {
		p.Path = prepend(step, p.Path)
		f.latent = append(f.latent, latent{Problem: p, pos: site})
	}
}

// prepend returns step followed by path, keeping at most MaxPath steps:
// the middle of a longer path is dropped.
func prepend(step Step, path []Step) []Step {
	out := make([]Step, 0, min(len(path)+1, MaxPath))
	out = append(out, step)
	if len(path)+1 > MaxPath {
		out = append(out, path[:MaxPath-2]...)
		return append(out, path[len(path)-1])
	}
	return append(out, path...)
}

// normalizeLatent is normalizeProblems for the in-memory problems.
func normalizeLatent(ls []latent) []latent {
	return normalize(ls, func(l *latent) *Problem { return &l.Problem })
}

// displayName names a source function as call paths show it.
func displayName(fn *ssa.Function) string {
	if name := initialised(fn); name != "" {
		return name // var onErr = func(…) {…}: "onErr"
	}
	if parent := fn.Parent(); parent != nil {
		i := strconv.Itoa(slices.Index(parent.AnonFuncs, fn) + 1)
		if parent.Parent() == nil {
			return displayName(parent) + ".func" + i
		}
		return displayName(parent) + "." + i
	}
	if o := fn.Origin(); o != nil {
		fn = o
	}
	if recv := fn.Signature.Recv(); recv != nil {
		if n := named(recv.Type()); n != nil {
			return n.Obj().Name() + "." + fn.Name()
		}
	}
	return fn.Name()
}

// initialised names what fn, a function literal of the package
// initialiser, is the initial value of: a package variable ("onErr"), or
// an entry of the map literal that initialises one ("fallbacks["price"]");
// "" if neither.
func initialised(fn *ssa.Function) string {
	parent := fn.Parent()
	if parent == nil || parent.Synthetic != "package initializer" {
		return ""
	}
	for _, b := range parent.Blocks {
		for _, instr := range b.Instrs {
			switch instr := instr.(type) {
			case *ssa.Store:
				if g, ok := instr.Addr.(*ssa.Global); ok && instr.Val == fn {
					return g.Name()
				}
			case *ssa.MapUpdate:
				if instr.Value != fn {
					continue
				}
				for _, r := range *instr.Map.Referrers() {
					if st, ok := r.(*ssa.Store); ok && st.Val == instr.Map {
						if g, ok := st.Addr.(*ssa.Global); ok {
							key := "…"
							if c, ok := instr.Key.(*ssa.Const); ok && c.Value != nil {
								key = c.Value.ExactString()
							}
							return g.Name() + "[" + key + "]"
						}
					}
				}
			}
		}
	}
	return ""
}

// objName names a function of another package: "store.Fetch",
// "store.Cache.Get".
func (s *state) objName(obj *types.Func) string {
	name := obj.Name()
	if recv := obj.Type().(*types.Signature).Recv(); recv != nil {
		if n := named(recv.Type()); n != nil {
			name = n.Obj().Name() + "." + name
		}
	}
	if obj.Pkg() != nil && obj.Pkg() != s.pass.Pkg {
		name = obj.Pkg().Name() + "." + name
	}
	return name
}

// typeObjName names a type as objName names functions: "Store",
// "store.Store".
func (s *state) typeObjName(obj *types.TypeName) string {
	if obj.Pkg() != nil && obj.Pkg() != s.pass.Pkg {
		return obj.Pkg().Name() + "." + obj.Name()
	}
	return obj.Name()
}

func named(t types.Type) *types.Named {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, _ := types.Unalias(t).(*types.Named)
	return n
}
