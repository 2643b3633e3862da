package cancellable

import (
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// Values that a function hands back from a function it is passed: a
// WithLock-style wrapper,
//
//	func locked[T any](mu *sync.Mutex, f func() T) T {
//		mu.Lock()
//		defer mu.Unlock()
//		return f()
//	}
//
// returns whatever f returns, so a caller that passes a function literal
// gets the literal's Deferred. The wrapper's Summary says so (Forwards),
// and the detectors look through the call to the function passed.

func init() {
	detectors = append(detectors, (*Func).forwards)
}

// forwards records the function's results that are what a function passed
// as a parameter returns.
func (f *Func) forwards() {
	for _, b := range f.SSA.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok {
			continue
		}
		for i, v := range ret.Results {
			for _, fr := range f.calledResults(v, make(map[funcResult]bool)) {
				if p := f.param(fr.fn); p >= 0 {
					f.Summary.Forwards = append(f.Summary.Forwards, Forward{Result: i, Param: p, Of: fr.of})
				}
			}
		}
	}
}

// A funcResult is result of of a call of the function value fn.
type funcResult struct {
	fn ssa.Value
	of int
}

// calledResults returns the function values whose call's result v is, or
// passes a cancel on to, in this function: through phis, conversions,
// local variables, the runtime's wrappers that pass a cancel on (Then,
// Chain, the Add* methods, WithLock), and callees that forward.
func (f *Func) calledResults(v ssa.Value, seen map[funcResult]bool) []funcResult {
	if v == nil || seen[funcResult{v, -1}] {
		return nil
	}
	seen[funcResult{v, -1}] = true
	switch v := v.(type) {
	case *ssa.Phi:
		var out []funcResult
		for _, e := range v.Edges {
			out = append(out, f.calledResults(e, seen)...)
		}
		return out
	case *ssa.ChangeType:
		return f.calledResults(v.X, seen)
	case *ssa.ChangeInterface:
		return f.calledResults(v.X, seen)
	case *ssa.MakeInterface:
		return f.calledResults(v.X, seen)
	case *ssa.TypeAssert:
		if !v.CommaOk {
			return f.calledResults(v.X, seen)
		}
	case *ssa.UnOp:
		if _, ok := v.X.(*ssa.Alloc); ok && v.Op == mulOp {
			var out []funcResult
			for _, val := range reachingStores(v) {
				out = append(out, f.calledResults(val, seen)...)
			}
			return out
		}
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			return f.callResults(call, v.Index, seen)
		}
	case *ssa.Call:
		return f.callResults(v, 0, seen)
	}
	return nil
}

// callResults is calledResults for result i of a call.
func (f *Func) callResults(call *ssa.Call, i int, seen map[funcResult]bool) []funcResult {
	c := call.Common()
	if c.IsInvoke() {
		return nil
	}
	switch fn := calledValue(c.Value).(type) {
	case *ssa.Parameter, *ssa.FreeVar:
		return []funcResult{{fn, i}}
	}
	var out []funcResult
	callee := f.Callee(c)
	for _, fw := range f.calleeForwards(callee, i) {
		if args := callee.forwardArgs(c); fw.Param < len(args) {
			out = append(out, f.funcValueResults(args[fw.Param], fw.Of, seen)...)
		}
	}
	if callee.Runtime != "" {
		if k, ok := cancelmodel.DeferredPassThrough(callee.Func); ok {
			if _, shield := cancelmodel.Shield(callee.Func); !shield {
				if args := callee.CallArgs(c); k < len(args) {
					out = append(out, f.calledResults(args[k], seen)...)
				}
			}
		}
	}
	return out
}

// calledValue returns the function value a call calls, seen through
// conversions and the variables SSA keeps captured values in: a captured
// variable is its FreeVar, a local one the one value stored into it.
func calledValue(v ssa.Value) ssa.Value {
	v = unconvert(v)
	load, ok := v.(*ssa.UnOp)
	if !ok || load.Op != mulOp {
		return v
	}
	switch x := load.X.(type) {
	case *ssa.FreeVar:
		return x
	case *ssa.Alloc:
		if vals := reachingStores(load); len(vals) == 1 {
			return calledValue(vals[0])
		}
	}
	return v
}

// calleeForwards returns the callee's forwards of result i: its summary's,
// or the runtime's (Chain and WithLock hand back what their function
// hands back, and a cancel of the result reaches it; so does a Deferred
// paused on what its AddDeferredCallback(s) function hands back).
func (f *Func) calleeForwards(callee Callee, i int) []Forward {
	var all []Forward
	if callee.Runtime != "" {
		// Runtime parameters count as CallArgs does: receiver first.
		switch callee.Runtime {
		case "Chain", "WithLock", "Deferred.AddDeferredCallback":
			all = []Forward{{Param: 1}}
		case "Deferred.AddDeferredCallbacks":
			all = []Forward{{Param: 1}, {Param: 2}}
		}
	} else if callee.Summary != nil {
		all = callee.Summary.Forwards
	}
	var out []Forward
	for _, fw := range all {
		if fw.Result == i {
			out = append(out, fw)
		}
	}
	return out
}

// forwardArgs returns a call's arguments as Forward.Param counts them:
// the runtime's receiver first, a summarised method's receiver left out.
func (c Callee) forwardArgs(call *ssa.CallCommon) []ssa.Value {
	args := c.CallArgs(call)
	if c.Runtime == "" && c.Recv && len(args) > 0 {
		args = args[1:]
	}
	return args
}

// funcValueResults returns the results of a call of the function value fv:
// fv itself, and, for a function literal of this package, the function
// values it hands back in turn (its captured variables, as this function
// binds them).
func (f *Func) funcValueResults(fv ssa.Value, of int, seen map[funcResult]bool) []funcResult {
	fv = calledValue(fv)
	if seen[funcResult{fv, of}] {
		return nil
	}
	seen[funcResult{fv, of}] = true
	out := []funcResult{{fv, of}}
	mc, ok := fv.(*ssa.MakeClosure)
	if !ok {
		return out
	}
	lit := f.s.byFunc[mc.Fn.(*ssa.Function)]
	if lit == nil || lit.failed {
		return out
	}
	for _, b := range lit.SSA.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok || of >= len(ret.Results) {
			continue
		}
		for _, fr := range lit.calledResults(ret.Results[of], seen) {
			fvar, ok := fr.fn.(*ssa.FreeVar)
			if !ok {
				out = append(out, fr) // a function value of the literal's own
				continue
			}
			if k := slices.Index(lit.SSA.FreeVars, fvar); k >= 0 && k < len(mc.Bindings) {
				out = append(out, f.funcValueResults(boundValue(mc.Bindings[k]), fr.of, seen)...)
			}
		}
	}
	return out
}

// boundValue returns the value a closure captures: the binding itself, or,
// for a captured variable, the one value stored into it.
func boundValue(v ssa.Value) ssa.Value {
	if alloc, ok := v.(*ssa.Alloc); ok {
		if vals := allocStores(alloc); len(vals) == 1 {
			return vals[0]
		}
	}
	return v
}
