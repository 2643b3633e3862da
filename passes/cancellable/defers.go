package cancellable

import (
	"go/token"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// This file follows named error results into the functions a function
// defers: a deferred closure that assigns the result decides what the
// function returns, after every return statement has run.

// A resultOverride is a deferred closure that may assign a named error
// result of the function that defers it.
type resultOverride struct {
	closure *Func
	fv      *ssa.FreeVar // the closure's variable for the result
	result  *ssa.Alloc   // the result's variable in the deferring function
}

// resultOverrides lists the deferred closures that assign a named error
// result of f.
func (f *Func) resultOverrides() []resultOverride {
	results := resultAllocs(f.SSA)
	if len(results) == 0 {
		return nil
	}
	var out []resultOverride
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			d, ok := instr.(*ssa.Defer)
			if !ok {
				continue
			}
			mc, ok := d.Call.Value.(*ssa.MakeClosure)
			if !ok {
				continue
			}
			cf := f.s.byFunc[mc.Fn.(*ssa.Function)]
			if cf == nil {
				continue
			}
			for i, bound := range mc.Bindings {
				alloc, ok := bound.(*ssa.Alloc)
				if !ok || !slices.Contains(results, alloc) || i >= len(cf.SSA.FreeVars) {
					continue
				}
				fv := cf.SSA.FreeVars[i]
				if assigns(fv) {
					out = append(out, resultOverride{closure: cf, fv: fv, result: alloc})
				}
			}
		}
	}
	return out
}

// resultAllocs returns the variables of a function's named error results:
// what its returns load after the deferred calls have run.
func resultAllocs(fn *ssa.Function) []*ssa.Alloc {
	var out []*ssa.Alloc
	for _, b := range fn.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok {
			continue
		}
		for _, v := range ret.Results {
			load, ok := v.(*ssa.UnOp)
			if !ok || load.Op != mulOp || !cancelmodel.IsError(load.Type()) {
				continue
			}
			if alloc, ok := load.X.(*ssa.Alloc); ok && !slices.Contains(out, alloc) {
				out = append(out, alloc)
			}
		}
	}
	return out
}

// assigns reports whether a closure stores into its free variable fv.
func assigns(fv *ssa.FreeVar) bool {
	for _, r := range *fv.Referrers() {
		if st, ok := r.(*ssa.Store); ok && st.Addr == fv {
			return true
		}
	}
	return false
}

// nilStores lists the stores of nil into fv.
func nilStores(fv *ssa.FreeVar) []*ssa.Store {
	var out []*ssa.Store
	for _, r := range *fv.Referrers() {
		if st, ok := r.(*ssa.Store); ok && st.Addr == fv && isNil(st.Val) {
			out = append(out, st)
		}
	}
	return out
}

// loads returns the closure's reads of the result.
func (o resultOverride) loads() []ssa.Value {
	var out []ssa.Value
	for _, r := range *o.fv.Referrers() {
		if load, ok := r.(*ssa.UnOp); ok && load.Op == mulOp {
			out = append(out, load)
		}
	}
	return out
}

// overriddenToNil returns the first store of nil into the result that a
// path through the closure reaches from its start without ruling the
// result out as a cancellation, following the result's loads as the taint
// of a source with flags fl; nil if none.
func (o resultOverride) overriddenToNil(fl Flags) *ssa.Store {
	stores := nilStores(o.fv)
	if len(stores) == 0 {
		return nil
	}
	cf := o.closure
	loads := o.loads()
	t := &taint{f: cf, src: &source{fn: cf.SSA, flags: fl}, flags: make(map[ssa.Value]Flags),
		uses: make(map[ssa.Instruction]useKind), texts: make(map[ssa.Value]bool), holders: make(map[ssa.Value]bool)}
	for _, l := range loads {
		t.flags[l] = fl
	}
	type item struct {
		b  *ssa.BasicBlock
		st pathState
	}
	stack := []item{{cf.SSA.Blocks[0], pathState{}}}
	visited := make(map[[2]int]bool)
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	instrs:
		for _, instr := range it.b.Instrs {
			switch instr := instr.(type) {
			case *ssa.Store:
				if slices.Contains(stores, instr) {
					return instr
				}
			case *ssa.Return, *ssa.Panic:
				break instrs
			case *ssa.If:
				yes, no := t.refine(instr, it.st)
				for k, st := range []*pathState{yes, no} {
					key := [2]int{instr.Block().Succs[k].Index, 0}
					if st != nil && !visited[key] {
						visited[key] = true
						stack = append(stack, item{instr.Block().Succs[k], *st})
					}
				}
				break instrs
			case *ssa.Jump:
				key := [2]int{instr.Block().Succs[0].Index, 0}
				if !visited[key] {
					visited[key] = true
					stack = append(stack, item{instr.Block().Succs[0], it.st})
				}
				break instrs
			}
		}
	}
	return nil
}

// storedFlags returns what the values a function stores into a result
// variable may carry.
func (f *Func) storedFlags(alloc *ssa.Alloc) Flags {
	var fl Flags
	for _, r := range *alloc.Referrers() {
		if st, ok := r.(*ssa.Store); ok && st.Addr == alloc {
			fl |= f.ErrorFlags(st.Val)
		}
	}
	return fl
}

// detectDeferredOverride finds deferred closures that set a named error
// result to nil when it may be a cancellation: the function then returns
// nil, whatever its return statements said (swallowedcancel for the
// runtime's cancellations; for a context's, ctxswallow, when the closure
// sets it to nil after recognising the cancellation).
func detectDeferredOverride(f *Func) {
	for _, o := range f.resultOverrides() {
		if fl := f.storedFlags(o.result); fl&Cancel != 0 {
			if st := o.overriddenToNil(fl & (Cancel | FirstError | Wrapped)); st != nil {
				f.Report(SwallowedCancel, f.s.stmtPos(st.Pos()), Because(
					"the deferred function sets the error result to nil, also when it is a cancellation; re-raise it first: if errors.Is(err, deferred.ErrCancelled) { return }",
					"the function returns a nil error after its return statements ran, so cancelled work carries on as if nothing had happened"))
			}
		}
		if f.s.context && !f.inTestFile() && f.hasValueResult() && (f.hasContextParam() || f.storedFlags(o.result)&CtxAny != 0) {
			f.ctxOverride(o)
		}
		f.overriddenWithCut(o)
	}
}

// overriddenWithCut reports a deferred closure that replaces the error
// result with a new error that no longer holds it (err = annotate(op,
// err), where annotate formats with %v): whatever the return statements
// said, the function returns the cut error. firsterror reports it for the
// runtime's cancellation, ctxerrwrap for a context error.
func (f *Func) overriddenWithCut(o resultOverride) {
	fl := f.storedFlags(o.result)
	if fl&(Cancel|Ctx) == 0 {
		return
	}
	loads := o.loads()
	if len(loads) == 0 {
		return
	}
	cf := o.closure
	t := cf.taint(&source{fn: cf.SSA, value: loads[0], also: loads[1:], flags: fl & (Cancel | FirstError | Wrapped | Ctx)})
	for _, c := range t.cuts {
		if !c.passed || !storesInto(c.at, o.fv) {
			continue
		}
		pos, fix := cf.cutSite(c)
		why := " (the deferred function replaces the error result with it, after every return statement has run)"
		// Reported as the deferring function's: it is what returns the cut.
		if fl&Cancel != 0 {
			f.Report(FirstErrorRule, pos, cutReason(cf, c, "deferred.ErrCancelled")+why, fixes(fix)...)
		}
		if fl&Ctx != 0 && f.s.context && !f.inTestFile() {
			f.Report(CtxErrWrap, pos, cutReason(cf, c, "context.Canceled")+why, fixes(fix)...)
		}
	}
}

// storesInto reports whether v is stored into the variable fv points to.
func storesInto(v ssa.Value, fv *ssa.FreeVar) bool {
	if v == nil || v.Referrers() == nil {
		return false
	}
	for _, r := range *v.Referrers() {
		if st, ok := r.(*ssa.Store); ok && st.Addr == fv && st.Val == v {
			return true
		}
		if mi, ok := r.(*ssa.MakeInterface); ok && storesInto(mi, fv) {
			return true
		}
	}
	return false
}

// ctxOverride reports a deferred closure that sets the error result to nil
// after it recognised a cancellation of the function's context.
func (f *Func) ctxOverride(o resultOverride) {
	stores := nilStores(o.fv)
	for _, e := range o.closure.endingsOwnedBy(f) {
		if st := e.reaches(stores); st != nil {
			f.Report(CtxSwallow, f.s.stmtPos(st.Pos()), Because(
				"the deferred function sets the error result to nil after "+e.what+": the caller takes the cancelled operation for a completed one; keep the error",
				"the function returns a nil error after its return statements ran"))
			return
		}
	}
}

// reaches returns the first of the stores that a path from the ending
// reaches, or nil.
func (e ending) reaches(stores []*ssa.Store) *ssa.Store {
	seen := map[*ssa.BasicBlock]bool{e.block: true}
	type item struct {
		b *ssa.BasicBlock
		i int
	}
	stack := []item{{e.block, e.index}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, instr := range it.b.Instrs[it.i:] {
			if st, ok := instr.(*ssa.Store); ok && slices.Contains(stores, st) {
				return st
			}
		}
		for _, s := range it.b.Succs {
			if !seen[s] {
				seen[s] = true
				stack = append(stack, item{s, 0})
			}
		}
	}
	return nil
}

// stmtPos returns where the statement containing pos begins.
func (s *state) stmtPos(pos token.Pos) token.Pos {
	if stmt := s.statementAt(pos); stmt != nil {
		return stmt.Pos()
	}
	return pos
}

// hasValueResult reports whether the function returns a result besides
// its errors.
func (f *Func) hasValueResult() bool {
	results := f.SSA.Signature.Results()
	for i := 0; i < results.Len(); i++ {
		if !cancelmodel.IsError(results.At(i).Type()) {
			return true
		}
	}
	return false
}

// detectDeferredWork finds background work started by a deferred call:
// defer logcontext.RunInBackground(t, …), or defer of a function that
// returns such work. It starts as the function returns, in the request's
// logging context, and nothing can await it (logcontextleak).
func detectDeferredWork(f *Func) {
	if !f.s.runtime {
		return
	}
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			d, ok := instr.(*ssa.Defer)
			if !ok {
				continue
			}
			callee := f.Callee(d.Common())
			what := ""
			switch {
			case callee.Runtime == "logcontext.RunInBackground":
				what = "work that a deferred logcontext.RunInBackground starts"
			case callee.Runtime == "" && callee.Summary != nil && slices.ContainsFunc(callee.Summary.Results, func(fl Flags) bool { return fl&Background != 0 }):
				what = "work that the deferred " + callee.Name + " starts in the request's logging context"
			default:
				continue
			}
			f.Report(LogContextLeak, f.s.stmtPos(d.Pos()), Because(
				what+" starts as the function returns and nothing can await it; start it with logcontext.RunAsBackgroundProcess, or run it before returning and await it",
				"it runs in the request's logging context after the request has finished"))
		}
	}
}
