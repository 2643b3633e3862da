package cancellable

import (
	"go/types"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// This file follows contexts by value within a function, for the context
// model (internal/cancelmodel/context.go): which values are cancellable
// contexts, which values carry one, and which calls are given one, so
// that their errors may be context errors.

// ctxCancellable reports whether v, a context, may be cancelled: it is
// not made by context.Background, TODO or WithoutCancel, nor derived from
// one of those by context.WithValue only. A parameter, a field, the
// result of any other call: cancellable.
func (f *Func) ctxCancellable(v ssa.Value) bool {
	return !f.ctxShielded(v, make(map[ssa.Value]bool))
}

func (f *Func) ctxShielded(v ssa.Value, seen map[ssa.Value]bool) bool {
	if seen[v] {
		return true
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Call:
		callee := f.Callee(v.Common())
		switch {
		case cancelmodel.Uncancellable(callee.Func):
			return true
		case cancelmodel.KeepsCancellation(callee.Func) && len(v.Call.Args) > 0:
			return f.ctxShielded(v.Call.Args[0], seen)
		}
	case *ssa.Extract:
		// ctx, cancel := context.WithCancel(context.Background()) is
		// cancellable: its cancel may be called.
	case *ssa.Phi:
		for _, e := range v.Edges {
			if !f.ctxShielded(e, seen) {
				return false
			}
		}
		return len(v.Edges) > 0
	case *ssa.MakeInterface:
		return f.ctxShielded(v.X, seen)
	case *ssa.ChangeInterface:
		return f.ctxShielded(v.X, seen)
	case *ssa.ChangeType:
		return f.ctxShielded(v.X, seen)
	case *ssa.UnOp:
		if _, ok := v.X.(*ssa.Alloc); ok && v.Op == mulOp {
			vals := reachingStores(v)
			for _, val := range vals {
				if !f.ctxShielded(val, seen) {
					return false
				}
			}
			return len(vals) > 0
		}
	case *ssa.Const:
		return true // a nil context: nothing cancels it
	}
	return false
}

// carriesContext reports whether v carries a cancellable context to the
// calls it is given to: it is one, its type is a carrier (an
// *http.Request, a struct holding a context), or it is a handle that a
// call given a context returned (an *sql.Rows, an *http.Response).
func (f *Func) carriesContext(v ssa.Value) bool {
	if v == nil {
		return false
	}
	t := v.Type()
	if cancelmodel.IsContextType(t) {
		return f.ctxCancellable(v)
	}
	if cancelmodel.CarrierType(t) {
		return true
	}
	// Memoised: a call's argument may be, through a loop's phi, the
	// result of the same call.
	if c, ok := f.carriers[v]; ok {
		return c
	}
	if f.carriers == nil {
		f.carriers = make(map[ssa.Value]bool)
	}
	f.carriers[v] = false // in progress
	c := f.carrierValue(v, make(map[ssa.Value]bool))
	f.carriers[v] = c
	return c
}

// carrierValue reports whether v is, by value flow, a handle returned by
// a call given a cancellable context.
func (f *Func) carrierValue(v ssa.Value, seen map[ssa.Value]bool) bool {
	if v == nil || seen[v] {
		return false
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			return f.carrierResult(call, v.Index)
		}
	case *ssa.Call:
		return f.carrierResult(v, 0)
	case *ssa.Phi:
		for _, e := range v.Edges {
			if f.carrierValue(e, seen) {
				return true
			}
		}
	case *ssa.MakeInterface:
		return f.carrierValue(v.X, seen)
	case *ssa.ChangeInterface:
		return f.carrierValue(v.X, seen)
	case *ssa.ChangeType:
		return f.carrierValue(v.X, seen)
	case *ssa.FieldAddr:
		return f.carrierValue(v.X, seen) // resp.Body: a part of a handle
	case *ssa.Field:
		return f.carrierValue(v.X, seen)
	case *ssa.UnOp:
		if v.Op != mulOp {
			break
		}
		if _, ok := v.X.(*ssa.Alloc); ok {
			for _, val := range reachingStores(v) {
				if f.carrierValue(val, seen) {
					return true
				}
			}
			return false
		}
		return f.carrierValue(v.X, seen)
	}
	return false
}

// carrierResult reports whether result i of a call is a handle that
// carries the context the call was given.
func (f *Func) carrierResult(call *ssa.Call, i int) bool {
	c := call.Common()
	results := c.Signature().Results()
	if i >= results.Len() || !cancelmodel.CarrierResult(results.At(i).Type()) {
		return false
	}
	callee := f.Callee(c)
	if f.s.analysed(callee) {
		return callee.Summary.Result(i)&Carrier != 0
	}
	return f.givenContext(c, callee)
}

// givenContext reports whether a call is given a cancellable context:
// one of its arguments (the receiver included) is a context that may be
// cancelled, or carries one. The context package's own functions are not
// such calls: they make contexts, they do not fail with their errors.
func (f *Func) givenContext(c *ssa.CallCommon, callee Callee) bool {
	if callee.Func != nil && callee.Func.Pkg() != nil && callee.Func.Pkg().Path() == cancelmodel.ContextPath {
		return false
	}
	args := c.Args
	if c.IsInvoke() {
		if cancelmodel.IsContextType(c.Value.Type()) {
			return false // a context's own methods
		}
		args = append([]ssa.Value{c.Value}, args...)
	}
	for _, a := range args {
		if f.carriesContext(a) {
			return true
		}
	}
	return false
}

// analysed reports whether the callee's summary can be trusted to say
// what its results carry, also by saying nothing: it is a function of
// this package or of another package that this pass analysed (it has a
// PackageFact). Calls into the standard library, which is modelled, and
// calls not resolved, are judged by the context model instead.
func (s *state) analysed(callee Callee) bool {
	switch {
	case callee.Local != nil:
		return true
	case callee.Func == nil || callee.Func.Pkg() == nil || callee.Runtime != "":
		return false
	}
	pkg := callee.Func.Pkg()
	if v, ok := s.analysedPkgs[pkg]; ok {
		return v
	}
	fact := new(PackageFact)
	v := pkg != s.pass.Pkg && s.pass.ImportPackageFact(pkg, fact) && (fact.Context || fact.Runtime)
	if s.analysedPkgs == nil {
		s.analysedPkgs = make(map[*types.Package]bool)
	}
	s.analysedPkgs[pkg] = v
	return v
}

// ctxErrorFlags returns what result index of a call may carry of a
// context error: a context's Err (the error as the context package makes
// it), context.Cause (any error), the error of a call given a cancellable
// context (wrapped, as net/http and database/sql return it), or what an
// analysed callee's summary says.
func (f *Func) ctxErrorFlags(call *ssa.Call, index int) Flags {
	c := call.Common()
	results := c.Signature().Results()
	if index >= results.Len() || !cancelmodel.IsError(results.At(index).Type()) {
		return 0
	}
	if c.IsInvoke() {
		if c.Method.Name() == "Err" && len(c.Args) == 0 && cancelmodel.IsContextType(c.Value.Type()) {
			if f.ctxCancellable(c.Value) {
				return Ctx
			}
			return 0
		}
		if f.givenContext(c, Callee{}) {
			return Ctx | Wrapped
		}
		return 0
	}
	callee := f.Callee(c)
	switch {
	case cancelmodel.IsContextErr(callee.Func):
		if len(c.Args) > 0 && !f.ctxCancellable(c.Args[0]) {
			return 0
		}
		return Ctx
	case cancelmodel.IsContextCause(callee.Func):
		if len(c.Args) > 0 && !f.ctxCancellable(c.Args[0]) {
			return 0
		}
		return Ctx | Wrapped
	case f.s.analysed(callee):
		return callee.Summary.Result(index) & (Ctx | Wrapped)
	case callee.Runtime != "":
		return 0
	case f.givenContext(c, callee):
		return Ctx | Wrapped
	}
	return 0
}
