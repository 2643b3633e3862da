package cancellable

import (
	"fmt"
	"go/ast"
	"go/types"
	"slices"
	"strconv"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// WaitsFor is the fact the logcontextleak rule keeps for a named function
// that waits, on every path, for the Deferred (or every Deferred of the
// slice) it is passed as a parameter: a caller that hands it background
// work waits for the work there.
type WaitsFor struct {
	Params []int // receiver first, sorted
}

// AFact marks WaitsFor as an analysis fact.
func (*WaitsFor) AFact() {}

func (w *WaitsFor) String() string { return fmt.Sprintf("waits for params %v on every path", w.Params) }

func init() {
	detectors = append(detectors, (*Func).logContextLeak)
	Analyzer.FactTypes = append(Analyzer.FactTypes, (*WaitsFor)(nil))
}

// logContextLeak is the detector of the logcontextleak rule. Work started
// with logcontext.RunInBackground runs in the request's logging context;
// the request must not end before it. The work is waited for when its
// Deferred is awaited directly or through Then, Chain, Gather or
// DelayCancellation (cancelling the request then reaches the work, or
// waits for it), or handed to a function that waits for what it is given,
// also as an element of a list that is gathered or awaited element by
// element in a loop; when the request waits on anything through
// DelayCancellation after starting it; or when its Deferred is returned
// to the caller, whose turn it then is (the Background result flag). It
// leaks when a path from the start reaches a return without that: the
// Deferred is dropped, or awaited only through StopCancellation or an
// Observe(). A return of the error of a wait, after the wait failed, is
// not a leak when the work is waited for on the other paths.
//
// A leak is a latent problem of the function that started the work, or,
// for work a callee returned, of the function that drops it. A caller
// that, after the call, waits with DelayCancellation on every path
// discharges the leaks of the call's callee.
func (f *Func) logContextLeak() {
	delayed := f.delayedAwaits()
	for _, st := range f.workStarts() {
		use, ok := followWork(f, st.value, false)
		if !ok {
			continue // handed to code that is not followed: never a guess
		}
		for in := range delayed {
			use.covers[in] = true
		}
		for ret, results := range use.returns {
			use.covers[ret] = true
			for _, i := range results {
				f.SetResult(i, Background)
			}
		}
		w := f.walkWait(st.call, use.coverage)
		if !w.leaks(f) {
			continue
		}
		f.reportLeak(st, use, w)
	}
	f.dischargeLeaks(delayed)
	f.waitsForParams()
}

// A workStart is a call that hands this function background work: a
// logcontext.RunInBackground, or a call whose result is one (callee set).
type workStart struct {
	call   *ssa.Call
	value  ssa.Value // the work's Deferred; nil when the result is not used
	callee Callee    // for work a callee returned
	how    string    // how it was started here: "logcontext.RunInBackground", …
}

// startsUnderTaskContext reports whether call starts work with
// deferred.RunContext or deferred.Go under a context derived from a
// Task's Context(): the Task's logging context is a value of that
// context, and context.WithoutCancel keeps values, so the work logs in
// the request's context as RunInBackground's does, after the request has
// finished if nothing waits for it.
func (f *Func) startsUnderTaskContext(call *ssa.Call, callee Callee) (string, bool) {
	ctx := 0 // RunContext's
	if callee.Runtime != "RunContext" {
		_, k, ok := cancelmodel.GoroutineStarter(callee.Func)
		if !ok {
			return "", false
		}
		ctx = k
	}
	if ctx >= len(call.Call.Args) || !f.fromTaskContext(call.Call.Args[ctx], make(map[ssa.Value]bool)) {
		return "", false
	}
	return "deferred." + callee.Runtime + " under the Task's context", true
}

// fromTaskContext reports whether context v is a Task's Context(), or
// derived from one by the context package's functions, which keep its
// values.
func (f *Func) fromTaskContext(v ssa.Value, seen map[ssa.Value]bool) bool {
	if seen[v] {
		return false
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Call:
		callee := f.Callee(v.Common())
		if callee.Runtime == "Task.Context" {
			return true
		}
		return cancelmodel.KeepsValues(callee.Func) && len(v.Call.Args) > 0 && f.fromTaskContext(v.Call.Args[0], seen)
	case *ssa.Extract:
		return f.fromTaskContext(v.Tuple, seen) // ctx, cancel := context.WithCancel(…)
	case *ssa.MakeInterface:
		return f.fromTaskContext(v.X, seen)
	case *ssa.ChangeInterface:
		return f.fromTaskContext(v.X, seen)
	case *ssa.Phi:
		for _, e := range v.Edges {
			if f.fromTaskContext(e, seen) {
				return true
			}
		}
	}
	return false
}

func (f *Func) workStarts() []workStart {
	var out []workStart
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok || !call.Pos().IsValid() {
				continue
			}
			callee := f.Callee(call.Common())
			if callee.Runtime == "logcontext.RunInBackground" {
				out = append(out, workStart{call: call, value: call, how: "logcontext.RunInBackground"})
				continue
			}
			if how, ok := f.startsUnderTaskContext(call, callee); ok {
				out = append(out, workStart{call: call, value: call, how: how})
				continue
			}
			out = append(out, f.forwardedWork(call, callee)...)
			if callee.Runtime != "" || callee.Summary == nil {
				continue
			}
			for i, fl := range callee.Summary.Results {
				if fl&Background != 0 {
					out = append(out, workStart{call: call, value: resultValue(call, i), callee: callee})
				}
			}
		}
	}
	return out
}

// forwardedWork returns the work that a forwarding callee (WithLock, a
// wrapper of the program's own) hands back from the function it is
// passed.
func (f *Func) forwardedWork(call *ssa.Call, callee Callee) []workStart {
	var out []workStart
	c := call.Common()
	for i := range c.Signature().Results().Len() {
		for _, fw := range f.calleeForwards(callee, i) {
			args := callee.forwardArgs(c)
			if fw.Param >= len(args) {
				continue
			}
			for _, fr := range f.funcValueResults(args[fw.Param], fw.Of, make(map[funcResult]bool)) {
				if g := f.FuncValue(fr.fn); g.Summary.Result(fr.of)&Background != 0 {
					out = append(out, workStart{call: call, value: resultValue(call, i), callee: g})
					break
				}
			}
		}
	}
	return out
}

// resultValue returns the value of result i of a call, nil if unused.
func resultValue(call *ssa.Call, i int) ssa.Value {
	if call.Call.Signature().Results().Len() == 1 {
		if i == 0 {
			return call
		}
		return nil
	}
	for _, r := range *call.Referrers() {
		if e, ok := r.(*ssa.Extract); ok && e.Index == i {
			return e
		}
	}
	return nil
}

// delayedAwaits returns the Awaits of a DelayCancellation: the request
// waits there until what it awaits has fired, cancelled or not.
func (f *Func) delayedAwaits() map[ssa.Instruction]bool {
	out := make(map[ssa.Instruction]bool)
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok {
				continue
			}
			if arg, ok := f.awaitOf(call).(*ssa.Call); ok {
				if delays, shield := cancelmodel.Shield(f.Callee(arg.Common()).Func); shield && delays {
					out[call] = true
				}
			}
		}
	}
	return out
}

// awaitOf returns the Deferred a call of Await waits on, or nil.
func (f *Func) awaitOf(call *ssa.Call) ssa.Value {
	if call != nil && f.Callee(call.Common()).Runtime == "Await" && len(call.Call.Args) == 2 {
		return call.Call.Args[1]
	}
	return nil
}

// A coverage is where a path stops waiting for the work to be taken
// care of: instructions that wait for it (or return it), and the exits of
// loops that have awaited every element of a list holding it.
type coverage struct {
	covers map[ssa.Instruction]bool
	exits  map[[2]*ssa.BasicBlock]bool // edges from a loop's header out of the loop
}

// workUse is what becomes of a work's Deferred in the function.
type workUse struct {
	coverage
	returns map[*ssa.Return][]int // returns that hand it to the caller, with the result indexes
	shield  string                // what the request may wait through instead: "StopCancellation", "an Observe()"
}

// A workItem is a value that followWork follows: the work's Deferred, a
// Deferred that passes a cancel on to it, or a list holding one.
type workItem struct {
	v      ssa.Value
	list   bool            // a slice or array some element of which is the work's
	shield string          // "": a wait on it waits for the work
	elem   *ssa.BasicBlock // where v was loaded from a list, as an element
}

// storedUnwaited reports whether storage that work is put into (a field,
// a package variable, a map kept there) is one from which the package
// never takes a Deferred out to wait for it or hand it on, and which no
// other package can reach (an unexported field or variable): the work
// kept there is waited for by nobody (kept "so that a status page can
// report on it").
func storedUnwaited(f *Func, p place) bool {
	if !p.shared || len(p.keys) == 0 {
		return false
	}
	for _, k := range p.keys {
		if k.Exported() {
			return false
		}
	}
	return !f.s.storageHandedOut(p.keys)
}

// followWork follows a work's Deferred (a list holding it, when list is
// set) through what passes a cancel on to it (Then, Chain, the Add*
// methods, Gather, DelayCancellation), what shields it (StopCancellation,
// an Observable), local variables, lists (a slice literal, append, an
// index: a list counts as awaited when it is gathered, handed to a
// function that waits for it, or awaited element by element in a loop),
// and functions that wait for what they are given. It reports false when
// the Deferred goes anywhere else: code that is not followed may wait for
// it.
func followWork(f *Func, v ssa.Value, list bool) (workUse, bool) {
	use := workUse{
		coverage: coverage{covers: make(map[ssa.Instruction]bool), exits: make(map[[2]*ssa.BasicBlock]bool)},
		returns:  make(map[*ssa.Return][]int),
	}
	if v == nil {
		return use, true
	}
	seen := make(map[ssa.Value]bool)
	work := []workItem{{v: v, list: list}}
	// waits records a call that waits for the item.
	waits := func(it workItem, call *ssa.Call) {
		if it.shield != "" {
			if use.shield == "" {
				use.shield = it.shield
			}
			return
		}
		use.covers[call] = true
		if it.elem != nil {
			if h, latches, body := loopOf(it.elem); h != nil && body[call.Block()] &&
				!slices.ContainsFunc(latches, func(l *ssa.BasicBlock) bool { return !call.Block().Dominates(l) }) {
				for _, s := range h.Succs {
					if !body[s] {
						use.exits[[2]*ssa.BasicBlock{h, s}] = true
					}
				}
			}
		}
	}
	for len(work) > 0 {
		it := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[it.v] {
			continue
		}
		seen[it.v] = true
		refs := it.v.Referrers()
		if refs == nil {
			continue
		}
		same := func(v ssa.Value) workItem { return workItem{v: v, list: it.list, shield: it.shield, elem: it.elem} }
		for _, r := range *refs {
			switch r := r.(type) {
			case *ssa.DebugRef:
			case *ssa.Phi:
				work = append(work, same(r))
			case *ssa.ChangeType:
				work = append(work, same(r))
			case *ssa.Slice:
				if !it.list {
					return use, false
				}
				work = append(work, same(r))
			case *ssa.Return:
				if it.shield != "" || it.list {
					return use, false
				}
				for i, x := range r.Results {
					if x == it.v {
						use.returns[r] = append(use.returns[r], i)
					}
				}
			case *ssa.Store:
				switch addr := r.Addr.(type) {
				case *ssa.IndexAddr:
					if r.Val != it.v || it.list {
						return use, false
					}
					// An element of a list: follow the list.
					work = append(work, workItem{v: addr.X, list: true, shield: it.shield})
				case *ssa.Alloc:
					// A local variable (a closure may capture it):
					// follow what reads it, unless a closure does.
					loads, ok := variableLoads(addr)
					if !ok {
						return use, false
					}
					for _, l := range loads {
						work = append(work, same(l))
					}
				default:
					if r.Val != it.v || !storedUnwaited(f, newSharing(f, true).addrStorage(addr)) {
						return use, false
					}
				}
			case *ssa.MapUpdate:
				if r.Value != it.v || !storedUnwaited(f, newSharing(f, true).storage(r.Map)) {
					return use, false
				}
			case *ssa.IndexAddr:
				if !it.list || r.X != it.v {
					return use, false
				}
				for _, rr := range *r.Referrers() {
					switch rr := rr.(type) {
					case *ssa.DebugRef:
					case *ssa.Store: // another element put into the list
						if rr.Addr != r {
							return use, false
						}
					case *ssa.UnOp:
						work = append(work, workItem{v: rr, shield: it.shield, elem: rr.Block()})
					default:
						return use, false
					}
				}
			case *ssa.Call:
				if b, ok := r.Call.Value.(*ssa.Builtin); ok {
					switch {
					case b.Name() == "len" || b.Name() == "cap":
					case b.Name() == "append" && it.list:
						work = append(work, workItem{v: r, list: true, shield: it.shield})
					default:
						return use, false
					}
					continue
				}
				callee := f.Callee(r.Common())
				switch {
				case callee.Runtime == "":
					args := callee.CallArgs(r.Common())
					if !f.waitsFor(callee, args, it.v) {
						return use, false
					}
					waits(it, r)
				case it.list:
					if !cancelmodel.FirstErrorSource(callee.Func) || len(r.Call.Args) == 0 || r.Call.Args[0] != it.v {
						return use, false
					}
					work = append(work, workItem{v: r, shield: it.shield})
				case callee.Runtime == "Await":
					waits(it, r)
				case callee.Runtime == "NewObservable":
					if use.shield == "" {
						use.shield = "an Observe()"
					}
				default:
					delays, shield := cancelmodel.Shield(callee.Func)
					_, passes := cancelmodel.DeferredPassThrough(callee.Func)
					switch {
					case shield && delays:
						work = append(work, workItem{v: r, elem: it.elem})
					case shield:
						work = append(work, workItem{v: r, shield: callee.Runtime})
					case passes && len(r.Call.Args) > 0 && r.Call.Args[0] == it.v:
						work = append(work, same(r))
					case callee.Runtime == "Deferred.Callback", callee.Runtime == "Deferred.Errback",
						callee.Runtime == "Deferred.Called", callee.Runtime == "Deferred.Result":
					default:
						return use, false
					}
				}
			default:
				return use, false
			}
		}
	}
	return use, true
}

// variableLoads returns the loads of a local variable, and false when
// something else uses it (a closure captures it, its address escapes).
func variableLoads(alloc *ssa.Alloc) ([]ssa.Value, bool) {
	var loads []ssa.Value
	for _, r := range *alloc.Referrers() {
		switch r := r.(type) {
		case *ssa.DebugRef:
		case *ssa.Store:
			if r.Addr != alloc {
				return nil, false
			}
		case *ssa.UnOp:
			if r.Op != mulOp {
				return nil, false
			}
			loads = append(loads, r)
		default:
			return nil, false
		}
	}
	return loads, true
}

// loopOf returns the innermost loop that block b is in: its header, the
// blocks that jump back to the header, and its blocks; nil when b is in
// no loop.
func loopOf(b *ssa.BasicBlock) (header *ssa.BasicBlock, latches []*ssa.BasicBlock, body map[*ssa.BasicBlock]bool) {
	for h := b; h != nil; h = h.Idom() {
		latches = latches[:0]
		for _, p := range h.Preds {
			if h.Dominates(p) {
				latches = append(latches, p)
			}
		}
		if len(latches) == 0 {
			continue
		}
		body = map[*ssa.BasicBlock]bool{h: true}
		work := slices.Clone(latches)
		for len(work) > 0 {
			x := work[len(work)-1]
			work = work[:len(work)-1]
			if body[x] {
				continue
			}
			body[x] = true
			work = append(work, x.Preds...)
		}
		if body[b] {
			return h, latches, body
		}
	}
	return nil, nil, nil
}

// waitsFor reports whether a call of callee waits, on every path, for
// the value v it passes (a Deferred, or a list of them).
func (f *Func) waitsFor(callee Callee, args []ssa.Value, v ssa.Value) bool {
	var params []int
	switch {
	case callee.Local != nil:
		if callee.Local.failed {
			return false
		}
		params = callee.Local.waits
	case callee.Func != nil:
		fact := new(WaitsFor)
		if f.s.pass.ImportObjectFact(callee.Func, fact) {
			params = fact.Params
		}
	}
	used := false
	for i, a := range args {
		if a != v {
			continue
		}
		if !slices.Contains(params, i) {
			return false
		}
		used = true
	}
	return used
}

// waitsForParams records the parameters (a Deferred, or a slice of
// them) that the function waits for on every path, for its callers.
func (f *Func) waitsForParams() {
	f.waits = nil
	for i, p := range f.SSA.Params {
		t := p.Type()
		if sl, ok := types.Unalias(t).Underlying().(*types.Slice); ok {
			t = sl.Elem()
		}
		if !cancelmodel.IsDeferredType(t) || len(f.SSA.Blocks) == 0 {
			continue
		}
		use, ok := followWork(f, p, t != p.Type())
		if !ok || len(use.returns) > 0 {
			continue
		}
		w := f.walkFrom(f.SSA.Blocks[0], 0, use.coverage)
		if w.covered && len(w.uncovered) == 0 && w.shielded == nil {
			f.waits = append(f.waits, i)
		}
	}
	if f.decl == nil || len(f.waits) == 0 {
		return
	}
	if obj, _ := f.s.pass.TypesInfo.Defs[f.decl.Name].(*types.Func); obj != nil {
		f.s.pass.ExportObjectFact(obj, &WaitsFor{Params: f.waits})
	}
}

// waitWalk is what the paths from a start meet.
type waitWalk struct {
	uncovered []pathEnd // returns reached without a wait for the work
	covered   bool      // some path waits for it
	shielded  *ssa.Call // an Await through a shield on a path that does not
}

// A pathEnd is a return a path reaches, the block the path came from
// into the return's block (which says what its phis hold), and whether
// the path waited for something on the way.
type pathEnd struct {
	ret    *ssa.Return
	pred   *ssa.BasicBlock
	waited bool
}

// walkWait follows every path from the instruction after from, each until
// it meets a cover, a return or a panic.
func (f *Func) walkWait(from ssa.Instruction, c coverage) waitWalk {
	b := from.Block()
	return f.walkFrom(b, slices.Index(b.Instrs, from)+1, c)
}

// walkFrom follows every path from instruction i of block b. A block
// that starts with phis is walked once per block the path comes from,
// and every block once before and once after a wait on the path.
func (f *Func) walkFrom(b *ssa.BasicBlock, i int, c coverage) waitWalk {
	var w waitWalk
	type entry struct {
		b, pred *ssa.BasicBlock
		waited  bool
	}
	seen := make(map[entry]bool)
	var visit func(b *ssa.BasicBlock, i int, pred *ssa.BasicBlock, waited bool)
	visit = func(b *ssa.BasicBlock, i int, pred *ssa.BasicBlock, waited bool) {
		for ; i < len(b.Instrs); i++ {
			switch in := b.Instrs[i].(type) {
			case *ssa.Return:
				if c.covers[in] {
					w.covered = true
				} else {
					w.uncovered = append(w.uncovered, pathEnd{in, pred, waited})
				}
				return
			case *ssa.Panic:
				return
			case *ssa.Call:
				if c.covers[in] {
					w.covered = true
					return
				}
				if arg, ok := f.awaitOf(in).(*ssa.Call); ok && w.shielded == nil {
					if delays, shield := cancelmodel.Shield(f.Callee(arg.Common()).Func); shield && !delays {
						w.shielded = in
					}
				}
				if callee := f.Callee(in.Common()); callee.Runtime == "Await" || callee.Summary != nil && callee.Summary.Suspends {
					waited = true
				}
			}
		}
		for _, s := range b.Succs {
			if c.exits[[2]*ssa.BasicBlock{b, s}] {
				w.covered = true
				continue
			}
			e := entry{b: s, waited: waited}
			if len(s.Instrs) > 0 {
				if _, phi := s.Instrs[0].(*ssa.Phi); phi {
					e.pred = b
				}
			}
			if !seen[e] {
				seen[e] = true
				visit(s, 0, b, waited)
			}
		}
	}
	visit(b, i, nil, false)
	return w
}

// leaks reports whether the request can end while the work goes on: a
// path returns without waiting for it, and either no path waits for it
// or the path does not fail after a wait.
func (w waitWalk) leaks(f *Func) bool {
	if len(w.uncovered) == 0 {
		return false
	}
	if !w.covered {
		return true
	}
	return slices.ContainsFunc(w.uncovered, func(e pathEnd) bool { return !f.failedWaitReturn(e) })
}

// failedWaitReturn reports whether a return, reached on a path, fails
// after a wait: its error result is not nil there, and the path waited
// for something, or the error may be a cancellation. The request fails
// because a wait did (it is being cancelled, or what it waited for
// failed); it does not go on.
func (f *Func) failedWaitReturn(e pathEnd) bool {
	results := f.SSA.Signature.Results()
	n := results.Len()
	if n == 0 || len(e.ret.Results) != n || !cancelmodel.IsError(results.At(n-1).Type()) {
		return false
	}
	v := e.ret.Results[n-1]
	if phi, ok := v.(*ssa.Phi); ok && phi.Block() == e.ret.Block() && e.pred != nil {
		if k := slices.Index(phi.Block().Preds, e.pred); k >= 0 && k < len(phi.Edges) {
			v = phi.Edges[k]
		}
	}
	if c, ok := v.(*ssa.Const); ok && c.IsNil() {
		return false
	}
	return e.waited || f.ErrorFlags(v)&Cancel != 0
}

// reportLeak reports work that can outlive the request.
func (f *Func) reportLeak(st workStart, use workUse, w waitWalk) {
	shield := use.shield
	if arg, ok := f.awaitOf(w.shielded).(*ssa.Call); ok {
		shield = "an Observe()"
		if f.Callee(arg.Common()).Runtime == "StopCancellation" {
			shield = "StopCancellation"
		}
	}
	what := "work started with " + st.how
	if st.callee.Resolved() {
		what = "work that " + st.callee.Name + " starts in the request's logging context"
	}
	var how, fix string
	var fixes []analysis.SuggestedFix
	switch {
	case w.covered:
		how = "its Deferred is not awaited on every path"
		fix = "await it on every path, or start the work with logcontext.RunAsBackgroundProcess"
	case shield != "":
		how = "the request waits for it only through " + shield + ", and a cancelled request ends at once"
		fix = "wrap the wait in deferred.DelayCancellation, or start the work with logcontext.RunAsBackgroundProcess"
		if w.shielded != nil {
			fixes = f.delayFix(w.shielded)
		}
	default:
		how = "its Deferred is never awaited"
		fix = "await it, or start the work with logcontext.RunAsBackgroundProcess"
		if !st.callee.Resolved() {
			fixes = f.backgroundProcessFix(st.call)
		}
	}
	pos := st.call.Pos()
	if ce := f.callSyntax(st.call); ce != nil {
		pos = ce.Pos()
	}
	f.Report(LogContextLeak, pos, what+" can outlive the request and use its logging context after it is finished: "+how+"; "+fix, fixes...)
}

// delayFix wraps the Deferred an Await waits on in DelayCancellation, or
// turns its StopCancellation into one.
func (f *Func) delayFix(await *ssa.Call) []analysis.SuggestedFix {
	arg := f.callArgSyntax(await, 1)
	if arg == nil {
		return nil
	}
	const msg = "wait for the work with deferred.DelayCancellation"
	if ce, ok := ast.Unparen(arg).(*ast.CallExpr); ok {
		if sel, ok := funcSelector(ce.Fun); ok && sel.Sel.Name == "StopCancellation" {
			return []analysis.SuggestedFix{{Message: msg, TextEdits: []analysis.TextEdit{
				{Pos: sel.Sel.Pos(), End: sel.Sel.End(), NewText: []byte("DelayCancellation")},
			}}}
		}
	}
	return f.s.wrapCallFix(arg, "DelayCancellation", msg)
}

// backgroundProcessFix turns logcontext.RunInBackground(t, work) into
// logcontext.RunAsBackgroundProcess("work", work), when t is a plain name
// (dropping it has no effect).
func (f *Func) backgroundProcessFix(call *ssa.Call) []analysis.SuggestedFix {
	ce := f.callSyntax(call)
	if ce == nil || len(ce.Args) != 2 || ce.Ellipsis.IsValid() {
		return nil
	}
	sel, ok := funcSelector(ce.Fun)
	if _, plain := ce.Args[0].(*ast.Ident); !ok || !plain || sel.Sel.Name != "RunInBackground" {
		return nil
	}
	outer := f.SSA
	for outer.Parent() != nil {
		outer = outer.Parent()
	}
	name := displayName(outer) // the function that starts the work
	switch work := ast.Unparen(ce.Args[1]).(type) {
	case *ast.Ident:
		name = work.Name
	case *ast.SelectorExpr:
		name = work.Sel.Name
	}
	return []analysis.SuggestedFix{{
		Message: "give the work a logging context of its own with logcontext.RunAsBackgroundProcess",
		TextEdits: []analysis.TextEdit{
			{Pos: sel.Sel.Pos(), End: sel.Sel.End(), NewText: []byte("RunAsBackgroundProcess")},
			{Pos: ce.Args[0].Pos(), End: ce.Args[0].End(), NewText: []byte(strconv.Quote(name))},
		},
	}}
}

// funcSelector returns the pkg.Name selector of a called function,
// through explicit type arguments.
func funcSelector(fun ast.Expr) (*ast.SelectorExpr, bool) {
	switch x := ast.Unparen(fun).(type) {
	case *ast.IndexExpr:
		fun = x.X
	case *ast.IndexListExpr:
		fun = x.X
	}
	sel, ok := ast.Unparen(fun).(*ast.SelectorExpr)
	return sel, ok
}

// dischargeLeaks drops the leaks that calls bring in from their callees
// when this function, after the call, waits with DelayCancellation on
// every path: it does not end before what it waits on has fired.
func (f *Func) dischargeLeaks(delayed map[ssa.Instruction]bool) {
	sites := make(map[string]bool)
	for _, l := range f.latent {
		if l.Rule == LogContextLeak && len(l.Path) > 1 && l.Path[0].Call != "" {
			sites[l.Path[0].Call] = true
		}
	}
	if len(sites) == 0 || len(delayed) == 0 {
		return
	}
	discharged := make(map[string]bool)
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			if _, ok := instr.(*ssa.Call); !ok || !instr.Pos().IsValid() {
				continue
			}
			site := f.s.pass.Fset.Position(f.s.callStart(instr.Pos())).String()
			if sites[site] && !f.walkWait(instr, coverage{covers: delayed}).leaks(f) {
				discharged[site] = true
			}
		}
	}
	f.latent = slices.DeleteFunc(f.latent, func(l latent) bool {
		return l.Rule == LogContextLeak && len(l.Path) > 1 && discharged[l.Path[0].Call]
	})
}
