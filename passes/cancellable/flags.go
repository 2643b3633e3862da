package cancellable

import (
	"go/constant"
	"go/types"
	"maps"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// ErrorFlags returns what an error value may carry (Cancel, FirstError),
// from the sources that flow into it in this function: Await, calls whose
// summary says so, and what wraps them without cutting the chain (%w,
// errors.Join, UnwrapFirstError, which drops FirstError).
func (f *Func) ErrorFlags(v ssa.Value) Flags {
	return f.errorFlags(v, make(map[ssa.Value]bool))
}

func (f *Func) errorFlags(v ssa.Value, seen map[ssa.Value]bool) Flags {
	if v == nil || seen[v] {
		return 0
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			return f.callErrorFlags(call, v.Index, seen)
		}
	case *ssa.Call:
		return f.callErrorFlags(v, 0, seen)
	case *ssa.Phi:
		var fl Flags
		for _, e := range v.Edges {
			fl |= f.errorFlags(e, seen)
		}
		return fl
	case *ssa.ChangeInterface:
		return f.errorFlags(v.X, seen)
	case *ssa.MakeInterface:
		if fl, ok := f.holderFlags(v.X, seen); ok {
			// An error made around others: its type decides whether
			// they stay in its chain.
			if wrapsByType(v.X.Type()) {
				return wrapped(fl)
			}
			return 0
		}
		return f.errorFlags(v.X, seen)
	case *ssa.ChangeType:
		return f.errorFlags(v.X, seen)
	case *ssa.TypeAssert:
		if !v.CommaOk && types.IsInterface(v.AssertedType) {
			return f.errorFlags(v.X, seen)
		}
	case *ssa.UnOp:
		if _, ok := v.X.(*ssa.Alloc); ok && v.Op == mulOp {
			var fl Flags
			for _, val := range reachingStores(v) {
				fl |= f.errorFlags(val, seen)
			}
			return fl
		}
		if listResultErr(v) != nil {
			return Cancel
		}
	case *ssa.Field:
		if listResultErr(v) != nil {
			return Cancel
		}
	}
	return 0
}

// callErrorFlags is ErrorFlags for result index of a call.
func (f *Func) callErrorFlags(call *ssa.Call, index int, seen map[ssa.Value]bool) Flags {
	c := call.Common()
	callee := f.Callee(c)
	var ctx Flags
	if f.s.context {
		ctx = f.ctxErrorFlags(call, index)
	}
	if f.s.runtime && cancelmodel.IsError(c.Signature().Results().At(index).Type()) {
		ctx |= f.taskErrorFlags(c, callee)
	}
	if !callee.Resolved() {
		return ctx
	}
	if i, ok := cancelmodel.AwaitErrorResult(callee.Func); ok && i == index && len(c.Args) == 2 {
		return Cancel | f.DeferredFlags(c.Args[1])&(FirstError|Wrapped)
	}
	if i, ok := cancelmodel.CancelErrorResult(callee.Func); ok && i == index && len(c.Args) == 2 {
		return Cancel | f.DeferredFlags(c.Args[1])&(FirstError|Wrapped)
	}
	if carries, formats := cancelmodel.Wraps(callee.Func); carries || formats {
		args := Args(c)
		var fl Flags
		for k, a := range args {
			if formats && (k == 0 || formatVerb(args, k) != 'w') {
				continue
			}
			fl |= f.errorFlags(a, seen)
		}
		if cancelmodel.IsUnwrapFirstError(callee.Func) {
			return fl &^ FirstError
		}
		return wrapped(fl)
	}
	if cancelmodel.WrapsFirst(callee.Func) && len(c.Args) > 0 {
		return wrapped(f.errorFlags(c.Args[0], seen))
	}
	fl := callee.Summary.Result(index)&(Cancel|FirstError|Wrapped) | ctx
	if callee.Summary != nil && (!c.IsInvoke() || callee.Closed) {
		// A helper that returns, or wraps, an error it is given.
		args := c.Args[recvOffset(c, callee):]
		for _, p := range callee.Summary.ParamErrs {
			if p.Result == index && p.Cut == "" && p.Param < len(args) {
				afl := f.errorFlags(args[p.Param], seen)
				if p.Wrapped {
					afl = wrapped(afl)
				}
				fl |= afl
			}
		}
	}
	return fl
}

// wrapped returns the flags of an error that holds an error with flags fl
// inside a wrapper: the cancellation it may carry is now wrapped.
func wrapped(fl Flags) Flags {
	if fl&(Cancel|CtxAny) != 0 {
		fl |= Wrapped
	}
	return fl
}

// DeferredFlags returns what a *Deferred value may carry: FirstError when
// its failure may be a *FirstError (from Gather, through the wrappers that
// pass a failure on, and through calls whose summary says so), and the
// flags of the summaries it comes from.
func (f *Func) DeferredFlags(v ssa.Value) Flags {
	return f.deferredFlags(v, make(map[ssa.Value]bool))
}

func (f *Func) deferredFlags(v ssa.Value, seen map[ssa.Value]bool) Flags {
	if v == nil || seen[v] {
		return 0
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Call:
		return f.callDeferredFlags(v, 0, seen)
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			return f.callDeferredFlags(call, v.Index, seen)
		}
	case *ssa.Phi:
		var fl Flags
		for _, e := range v.Edges {
			fl |= f.deferredFlags(e, seen)
		}
		return fl
	case *ssa.ChangeType:
		return f.deferredFlags(v.X, seen)
	case *ssa.UnOp:
		if _, ok := v.X.(*ssa.Alloc); ok && v.Op == mulOp {
			var fl Flags
			for _, val := range reachingStores(v) {
				fl |= f.deferredFlags(val, seen)
			}
			return fl
		}
	}
	return 0
}

func (f *Func) callDeferredFlags(call *ssa.Call, index int, seen map[ssa.Value]bool) Flags {
	c := call.Common()
	callee := f.Callee(c)
	switch {
	case callee.Func == nil && callee.Local == nil:
		return 0
	case callee.Runtime == "":
		return callee.Summary.Result(index)
	case cancelmodel.FirstErrorSource(callee.Func):
		if f.unwrappedByErrback(call) {
			return 0
		}
		return FirstError
	}
	args := callee.CallArgs(c)
	if k, ok := cancelmodel.DeferredPassThrough(callee.Func); ok && k < len(args) {
		fl := f.deferredFlags(args[k], seen)
		if _, shield := cancelmodel.Shield(callee.Func); shield {
			fl &^= Shared // a shielded Deferred is the waiter's own
		}
		if errback, _, ok := cancelmodel.Errback(callee.Func); ok && errback < len(args) && f.unwraps(args[errback]) {
			fl &^= FirstError
		}
		return fl
	}
	if k, _, ok := cancelmodel.TaskStarter(callee.Func); ok && k < len(args) {
		started := f.FuncValue(args[k])
		if started.Local != nil {
			sig := started.Local.SSA.Signature
			return started.Summary.Result(sig.Results().Len()-1) & FirstError
		}
		if started.Summary != nil && started.Func != nil {
			sig := started.Func.Type().(*types.Signature)
			return started.Summary.Result(sig.Results().Len()-1) & FirstError
		}
	}
	return 0
}

// unwrappedByErrback reports whether a Deferred gets an errback that
// unwraps FirstError (d.AddErrback(...) called for its effect on d, or
// through a method value).
func (f *Func) unwrappedByErrback(d ssa.Value) bool {
	var calls []*ssa.Call
	for _, r := range *d.Referrers() {
		switch r := r.(type) {
		case *ssa.Call:
			calls = append(calls, r)
		case *ssa.MakeClosure: // a method value, d bound
			for _, rr := range *r.Referrers() {
				if call, ok := rr.(*ssa.Call); ok {
					calls = append(calls, call)
				}
			}
		}
	}
	for _, call := range calls {
		callee := f.Callee(call.Common())
		args := callee.CallArgs(call.Common())
		if len(args) == 0 || args[0] != d {
			continue
		}
		if k, _, ok := cancelmodel.Errback(callee.Func); ok && k < len(args) && f.unwraps(args[k]) {
			return true
		}
	}
	return false
}

// unwraps reports whether a function value is, or calls,
// deferred.UnwrapFirstError: an errback that unwraps.
func (f *Func) unwraps(v ssa.Value) bool {
	callee := f.FuncValue(v)
	if callee.Runtime != "" {
		return cancelmodel.IsUnwrapFirstError(callee.Func)
	}
	if callee.Local == nil {
		return false
	}
	for _, b := range callee.Local.SSA.Blocks {
		for _, instr := range b.Instrs {
			if call, ok := instr.(*ssa.Call); ok {
				if c := callee.Local.Callee(call.Common()); cancelmodel.IsUnwrapFirstError(c.Func) {
					return true
				}
			}
		}
	}
	return false
}

// resultFlags records what the function's results may carry, and which
// error results are never nil.
func (f *Func) resultFlags() {
	results := f.SSA.Signature.Results()
	nonNil := make([]bool, results.Len())
	for i := range nonNil {
		nonNil[i] = cancelmodel.IsError(results.At(i).Type())
	}
	returns := 0
	for _, b := range f.SSA.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok || b == f.SSA.Recover {
			continue
		}
		returns++
		for i, v := range ret.Results {
			if i >= results.Len() {
				break
			}
			switch t := results.At(i).Type(); {
			case cancelmodel.IsError(t):
				f.SetResult(i, f.ErrorFlags(v))
				nonNil[i] = nonNil[i] && f.failure(v, make(map[ssa.Value]bool))
			case cancelmodel.IsDeferredType(t):
				f.SetResult(i, f.DeferredFlags(v))
			}
		}
	}
	for i, nn := range nonNil {
		if nn && returns > 0 {
			f.SetResult(i, NonNil)
		}
	}
	if f.s.context {
		f.origins()
	}
}

// failure reports whether an error value is never nil: a concrete error
// made into an interface, errors.New or fmt.Errorf, a package-level
// sentinel, a call whose summary says so, or only such values.
func (f *Func) failure(v ssa.Value, seen map[ssa.Value]bool) bool {
	if seen[v] {
		return true
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.MakeInterface:
		return true
	case *ssa.ChangeInterface:
		return f.failure(v.X, seen)
	case *ssa.Phi:
		for _, e := range v.Edges {
			if !f.failure(e, seen) {
				return false
			}
		}
		return true
	case *ssa.UnOp:
		switch v.X.(type) {
		case *ssa.Global:
			return v.Op == mulOp // a sentinel: var ErrX = errors.New(...)
		case *ssa.Alloc:
			vals := reachingStores(v)
			for _, val := range vals {
				if !f.failure(val, seen) {
					return false
				}
			}
			return len(vals) > 0
		}
	case *ssa.Call:
		callee := f.Callee(v.Common())
		switch cancelmodel.FuncName(callee.Func) {
		case "errors.New", "fmt.Errorf":
			return true
		}
		return callee.Summary.Result(0)&NonNil != 0
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			return f.Callee(call.Common()).Summary.Result(v.Index)&NonNil != 0
		}
	}
	return false
}

// readsParams records the error parameters that the function only reads:
// a helper that logs an error does not propagate it.
func (f *Func) readsParams() {
	params := f.SSA.Params
	if f.SSA.Signature.Recv() != nil {
		params = params[1:]
	}
	for i, p := range params {
		if !cancelmodel.IsError(p.Type()) || !used(p) {
			continue
		}
		t := f.taint(&source{fn: f.SSA, value: p, flags: Cancel})
		if !slices.Contains(slices.Collect(maps.Values(t.uses)), usePropagate) {
			f.Summary.ReadsParams = append(f.Summary.ReadsParams, i)
		}
		f.paramErrs(i, t)
		f.paramTests(i, t)
		f.kindTest(i, t)
	}
}

// storedValues returns the values stored into a local variable.
func storedValues(alloc *ssa.Alloc) []ssa.Value {
	var vals []ssa.Value
	for _, r := range *alloc.Referrers() {
		if st, ok := r.(*ssa.Store); ok && st.Addr == alloc {
			vals = append(vals, st.Val)
		}
	}
	return vals
}

// formatVerb returns the verb that formats args[k] of a Printf-style call
// whose format is args[0], or 0 when the format is not a constant or uses
// explicit argument indexes.
func formatVerb(args []ssa.Value, k int) rune {
	c, ok := args[0].(*ssa.Const)
	if !ok || c.Value == nil || c.Value.Kind() != constant.String {
		return 0
	}
	verbs, ok := parseVerbs(constant.StringVal(c.Value))
	if !ok || k-1 >= len(verbs) {
		return 0
	}
	return verbs[k-1].verb
}
