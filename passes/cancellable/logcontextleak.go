package cancellable

import (
	"go/ast"
	"go/constant"
	"slices"
	"strconv"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

func init() {
	detectors = append(detectors, (*Func).logContextLeak)
}

// logContextLeak is the detector of the logcontextleak rule. Work started
// with logcontext.RunInBackground runs in the request's logging context;
// the request must not end before it. The work is waited for when its
// Deferred is awaited directly or through Then, Chain, Gather or
// DelayCancellation (cancelling the request then reaches the work, or
// waits for it), when the request waits on anything through
// DelayCancellation after starting it, or when its Deferred is returned
// to the caller, whose turn it then is (the Background result flag). It
// leaks when a path from the start reaches a return without that: the
// Deferred is dropped, or awaited only through StopCancellation or an
// Observe(). A return with a non-nil error after a failed wait is not a
// leak when the work is waited for on the other paths.
//
// A leak is a latent problem of the function that started the work, or,
// for work a callee returned, of the function that drops it. A caller
// that, after the call, waits with DelayCancellation on every path
// discharges the leaks of the call's callee.
func (f *Func) logContextLeak() {
	delayed := f.delayedAwaits()
	for _, st := range f.workStarts() {
		use, ok := followWork(f, st.value)
		if !ok {
			continue // handed to code that is not followed: never a guess
		}
		covers := make(map[ssa.Instruction]bool, len(delayed)+len(use.covers)+len(use.returns))
		for _, set := range []map[ssa.Instruction]bool{delayed, use.covers} {
			for in := range set {
				covers[in] = true
			}
		}
		for ret, results := range use.returns {
			covers[ret] = true
			for _, i := range results {
				f.SetResult(i, Background)
			}
		}
		w := f.walkWait(st.call, covers)
		if !w.leaks(f.SSA) {
			continue
		}
		f.reportLeak(st, use, w)
	}
	f.dischargeLeaks(delayed)
}

// A workStart is a call that hands this function background work: a
// logcontext.RunInBackground, or a call whose result is one (callee set).
type workStart struct {
	call   *ssa.Call
	value  ssa.Value // the work's Deferred; nil when the result is not used
	callee Callee    // for work a callee returned
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
				out = append(out, workStart{call: call, value: call})
				continue
			}
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

// workUse is what becomes of a work's Deferred in the function.
type workUse struct {
	covers  map[ssa.Instruction]bool // Awaits that wait for the work
	returns map[*ssa.Return][]int    // returns that hand it to the caller, with the result indexes
	shield  string                   // what the request may wait through instead: "StopCancellation", "an Observe()"
}

// followWork follows a work's Deferred through what passes a cancel on to
// it (Then, Chain, the Add* methods, Gather, DelayCancellation) and what
// shields it (StopCancellation, an Observable). It reports false when the
// Deferred goes anywhere else: code that is not followed may wait for it.
func followWork(f *Func, v ssa.Value) (workUse, bool) {
	use := workUse{covers: make(map[ssa.Instruction]bool), returns: make(map[*ssa.Return][]int)}
	if v == nil {
		return use, true
	}
	type item struct {
		v      ssa.Value
		shield string // "": a wait on it waits for the work
	}
	seen := make(map[ssa.Value]bool)
	work := []item{{v: v}}
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
		for _, r := range *refs {
			switch r := r.(type) {
			case *ssa.DebugRef:
			case *ssa.Phi:
				work = append(work, item{r, it.shield})
			case *ssa.ChangeType:
				work = append(work, item{r, it.shield})
			case *ssa.Return:
				if it.shield != "" {
					return use, false
				}
				for i, x := range r.Results {
					if x == it.v {
						use.returns[r] = append(use.returns[r], i)
					}
				}
			case *ssa.Store:
				// An element of the inputs of a Gather.
				g := gatherOfElem(f, r, it.v)
				if g == nil {
					return use, false
				}
				work = append(work, item{g, it.shield})
			case *ssa.Call:
				callee := f.Callee(r.Common())
				switch {
				case callee.Runtime == "":
					return use, false
				case callee.Runtime == "Await":
					if it.shield == "" {
						use.covers[r] = true
					} else if use.shield == "" {
						use.shield = it.shield
					}
				case callee.Runtime == "NewObservable":
					if use.shield == "" {
						use.shield = "an Observe()"
					}
				default:
					delays, shield := cancelmodel.Shield(callee.Func)
					_, passes := cancelmodel.DeferredPassThrough(callee.Func)
					switch {
					case shield && delays:
						work = append(work, item{r, ""})
					case shield:
						work = append(work, item{r, callee.Runtime})
					case passes && len(r.Call.Args) > 0 && r.Call.Args[0] == it.v:
						work = append(work, item{r, it.shield})
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

// gatherOfElem returns the Gather whose input slice literal st stores v
// into, or nil.
func gatherOfElem(f *Func, st *ssa.Store, v ssa.Value) ssa.Value {
	ia, ok := st.Addr.(*ssa.IndexAddr)
	if !ok || st.Val != v {
		return nil
	}
	arr, ok := ia.X.(*ssa.Alloc)
	if !ok {
		return nil
	}
	for _, r := range *arr.Referrers() {
		sl, ok := r.(*ssa.Slice)
		if !ok {
			continue
		}
		for _, r2 := range *sl.Referrers() {
			if call, ok := r2.(*ssa.Call); ok && cancelmodel.FirstErrorSource(f.Callee(call.Common()).Func) {
				return call
			}
		}
	}
	return nil
}

// waitWalk is what the paths from a start meet.
type waitWalk struct {
	uncovered []*ssa.Return // returns reached without a wait for the work
	covered   bool          // some path waits for it
	shielded  *ssa.Call     // an Await through a shield on a path that does not
}

// walkWait follows every path from the instruction after from, each until
// it meets an instruction of covers, a return or a panic.
func (f *Func) walkWait(from ssa.Instruction, covers map[ssa.Instruction]bool) waitWalk {
	var w waitWalk
	seen := make(map[*ssa.BasicBlock]bool)
	var visit func(b *ssa.BasicBlock, i int)
	visit = func(b *ssa.BasicBlock, i int) {
		for ; i < len(b.Instrs); i++ {
			switch in := b.Instrs[i].(type) {
			case *ssa.Return:
				if covers[in] {
					w.covered = true
				} else {
					w.uncovered = append(w.uncovered, in)
				}
				return
			case *ssa.Panic:
				return
			case *ssa.Call:
				if covers[in] {
					w.covered = true
					return
				}
				if arg, ok := f.awaitOf(in).(*ssa.Call); ok && w.shielded == nil {
					if delays, shield := cancelmodel.Shield(f.Callee(arg.Common()).Func); shield && !delays {
						w.shielded = in
					}
				}
			}
		}
		for _, s := range b.Succs {
			if !seen[s] {
				seen[s] = true
				visit(s, 0)
			}
		}
	}
	b := from.Block()
	visit(b, slices.Index(b.Instrs, from)+1)
	return w
}

// leaks reports whether the request can end while the work goes on: a
// path returns without waiting for it, and either no path waits for it
// or the path ends the request normally (not with an error).
func (w waitWalk) leaks(fn *ssa.Function) bool {
	if len(w.uncovered) == 0 {
		return false
	}
	if !w.covered {
		return true
	}
	return slices.ContainsFunc(w.uncovered, func(r *ssa.Return) bool { return !errorReturn(fn, r) })
}

// errorReturn reports whether a return gives the function's error result
// a value that is not a constant nil.
func errorReturn(fn *ssa.Function, r *ssa.Return) bool {
	results := fn.Signature.Results()
	n := results.Len()
	if n == 0 || len(r.Results) != n || !cancelmodel.IsError(results.At(n-1).Type()) {
		return false
	}
	c, ok := r.Results[n-1].(*ssa.Const)
	return !ok || !(c.Value == nil || c.Value.Kind() == constant.Unknown)
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
	what := "work started with logcontext.RunInBackground"
	if st.callee.Resolved() {
		what = "work that " + st.callee.Name + " starts with logcontext.RunInBackground"
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
			if sites[site] && !f.walkWait(instr, delayed).leaks(f.SSA) {
				discharged[site] = true
			}
		}
	}
	f.latent = slices.DeleteFunc(f.latent, func(l latent) bool {
		return l.Rule == LogContextLeak && len(l.Path) > 1 && discharged[l.Path[0].Call]
	})
}
