package cancellable

import (
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// This file follows objects that keep a context for their calls, as a
// resty Request (SetContext) or an xorm Session (Context) do: a method
// of such an object may fail with a context error only if the object was
// given a cancellable context. The summaries of a package's methods say
// which of them hand back their receiver (builders), which store a
// context parameter into it (setters), and which results are new objects
// with no context in them (constructors); a call site follows the object
// it calls a method on from where it was made, through the builders, to
// the call, and looks at every setter called on it on the way.

func init() {
	detectors = append(detectors, (*Func).objectSummary)
}

// objectSummary records Self, SetsCtx and Fresh. A result is fresh when
// the function makes the object (a composite literal, a constructor's
// fresh result, through builders) and gives it no cancellable context, as
// objectCarries judges a call site's object.
func (f *Func) objectSummary() {
	if !f.s.context {
		return
	}
	fn := f.SSA
	sig := fn.Signature
	results := sig.Results()
	var recv *ssa.Parameter
	if sig.Recv() != nil && len(fn.Params) > 0 {
		recv = fn.Params[0]
	}
	self := make([]bool, results.Len())
	fresh := make([]bool, results.Len())
	for i := range results.Len() {
		t := results.At(i).Type()
		_, ptr := types.Unalias(t).(*types.Pointer)
		self[i] = recv != nil && ptr && types.Identical(t, recv.Type())
		fresh[i] = objectType(t)
	}
	returns := 0
	for _, b := range fn.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok || b == fn.Recover {
			continue
		}
		returns++
		for i, v := range ret.Results {
			if i >= len(self) {
				break
			}
			v = stripChange(v)
			if self[i] && v != ssa.Value(recv) {
				self[i] = false
			}
			if fresh[i] && f.objectCarries(v) {
				fresh[i] = false
			}
		}
	}
	for i := range self {
		if returns > 0 && self[i] {
			f.Summary.Self = append(f.Summary.Self, i)
		}
		if returns > 0 && fresh[i] {
			f.Summary.Fresh = append(f.Summary.Fresh, i)
		}
	}
	if recv == nil {
		return
	}
	// Setters: a store of a context parameter into a field of the
	// receiver, or a call that hands one to a setter of the receiver.
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			switch instr := instr.(type) {
			case *ssa.Store:
				fa, ok := instr.Addr.(*ssa.FieldAddr)
				if !ok || stripChange(fa.X) != ssa.Value(recv) || !cancelmodel.IsContextType(instr.Val.Type()) {
					continue
				}
				if p, ok := stripChange(instr.Val).(*ssa.Parameter); ok && p != recv {
					f.Summary.SetsCtx = append(f.Summary.SetsCtx, slices.Index(fn.Params, p)-1)
				}
			case *ssa.Call:
				c := instr.Common()
				if c.IsInvoke() || len(c.Args) == 0 || stripChange(c.Args[0]) != ssa.Value(recv) {
					continue
				}
				callee := f.Callee(c)
				if callee.Summary == nil || recvOffset(c, callee) != 1 {
					continue
				}
				for _, q := range callee.Summary.SetsCtx {
					if q+1 < len(c.Args) {
						if p, ok := stripChange(c.Args[q+1]).(*ssa.Parameter); ok && p != recv {
							f.Summary.SetsCtx = append(f.Summary.SetsCtx, slices.Index(fn.Params, p)-1)
						}
					}
				}
			}
		}
	}
}

// stripChange returns v without the conversions that keep its value.
func stripChange(v ssa.Value) ssa.Value {
	for {
		switch x := v.(type) {
		case *ssa.ChangeType:
			v = x.X
		case *ssa.MakeInterface:
			v = x.X
		case *ssa.ChangeInterface:
			v = x.X
		default:
			return v
		}
	}
}

// objectCarries reports whether v, an object of a type that keeps a
// context (cancelmodel.CarrierType), may hold a cancellable one for the
// calls made on it: it does unless the analysis follows it from where it
// was made (a constructor whose summary says Fresh, a composite literal
// here) through builders (Self) to here, and no setter (SetsCtx) on the
// way, nor a store into its fields here, gives it a cancellable context.
// An object of unknown origin (a parameter, a field, a package variable)
// or one handed to code that may keep or change it may hold one.
func (f *Func) objectCarries(v ssa.Value) bool {
	if c, ok := f.objects[v]; ok {
		return c
	}
	if f.objects == nil {
		f.objects = make(map[ssa.Value]bool)
	}
	f.objects[v] = true // in progress: assume the worst
	aliases := make(map[ssa.Value]bool)
	c := !f.objectOrigin(v, aliases) || f.objectGiven(aliases)
	f.objects[v] = c
	return c
}

// objectOrigin follows an object back to where it was made, adding the
// values on the way to aliases; false when it is not known.
func (f *Func) objectOrigin(v ssa.Value, aliases map[ssa.Value]bool) bool {
	if aliases[v] {
		return true
	}
	aliases[v] = true
	switch v := v.(type) {
	case *ssa.ChangeType:
		return f.objectOrigin(v.X, aliases)
	case *ssa.MakeInterface:
		return f.objectOrigin(v.X, aliases)
	case *ssa.Phi:
		for _, e := range v.Edges {
			if !f.objectOrigin(e, aliases) {
				return false
			}
		}
		return len(v.Edges) > 0
	case *ssa.Alloc:
		return v.Heap && v.Parent() == f.SSA
	case *ssa.Call:
		return f.objectFrom(v, 0, aliases)
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			return f.objectFrom(call, v.Index, aliases)
		}
	}
	return false
}

// objectFrom is objectOrigin for result i of a call: a constructor's new
// object, or a builder's receiver.
func (f *Func) objectFrom(call *ssa.Call, i int, aliases map[ssa.Value]bool) bool {
	c := call.Common()
	if c.IsInvoke() {
		return false
	}
	callee := f.Callee(c)
	if !f.s.analysed(callee) || len(callee.Members) > 0 || callee.Summary == nil {
		return false
	}
	if slices.Contains(callee.Summary.Fresh, i) {
		return true
	}
	if slices.Contains(callee.Summary.Self, i) && recvOffset(c, callee) == 1 {
		return f.objectOrigin(c.Args[0], aliases)
	}
	return false
}

// objectGiven reports whether an object, known by the values that hold
// it (aliases, completed here with the builders' results that follow),
// may be given a cancellable context: a setter is called on it with one,
// a context field of it is stored one here, or it is handed to code that
// may keep or change it.
func (f *Func) objectGiven(aliases map[ssa.Value]bool) bool {
	work := make([]ssa.Value, 0, len(aliases))
	for v := range aliases {
		work = append(work, v)
	}
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		add := func(u ssa.Value) {
			if !aliases[u] {
				aliases[u] = true
				work = append(work, u)
			}
		}
		refs := v.Referrers()
		if refs == nil {
			continue
		}
		for _, r := range *refs {
			switch r := r.(type) {
			case *ssa.DebugRef, *ssa.BinOp, *ssa.If, *ssa.Return:
				// Returned: a caller follows it by Fresh.
			case *ssa.ChangeType:
				add(r)
			case *ssa.MakeInterface:
				add(r)
			case *ssa.Phi:
				add(r)
			case *ssa.FieldAddr:
				for _, rr := range *r.Referrers() {
					if st, ok := rr.(*ssa.Store); ok && st.Addr == r &&
						cancelmodel.IsContextType(st.Val.Type()) && f.ctxCancellable(st.Val) {
						return true
					}
				}
			case *ssa.Field:
			case *ssa.UnOp:
				// *r: a copy of its fields.
			case *ssa.Store:
				if r.Addr == v {
					continue
				}
				return true // kept somewhere: code not followed may set it
			case *ssa.Call:
				if f.objectCall(r, v, add) {
					return true
				}
			case *ssa.Defer:
				if f.objectCallCommon(r.Common(), nil, v, add) {
					return true
				}
			default:
				return true
			}
		}
	}
	return false
}

// objectCall judges a call that is handed the object v.
func (f *Func) objectCall(call *ssa.Call, v ssa.Value, add func(ssa.Value)) bool {
	return f.objectCallCommon(call.Common(), call, v, add)
}

func (f *Func) objectCallCommon(c *ssa.CallCommon, call *ssa.Call, v ssa.Value, add func(ssa.Value)) bool {
	if c.IsInvoke() {
		return true
	}
	callee := f.Callee(c)
	if !f.s.analysed(callee) || len(callee.Members) > 0 || recvOffset(c, callee) != 1 {
		return true
	}
	for k, a := range c.Args {
		if a == v && k != 0 {
			return true // handed on as an argument: it may keep or change it
		}
	}
	if callee.Summary == nil {
		return false
	}
	for _, q := range callee.Summary.SetsCtx {
		if q+1 < len(c.Args) && f.ctxCancellable(c.Args[q+1]) {
			return true
		}
	}
	if call == nil {
		return false
	}
	for _, i := range callee.Summary.Self {
		if c.Signature().Results().Len() == 1 {
			add(call)
		} else {
			for _, r := range *call.Referrers() {
				if e, ok := r.(*ssa.Extract); ok && e.Index == i {
					add(e)
				}
			}
		}
	}
	return false
}

// builds reports whether a summary, which may be nil, is a setter's or a
// builder's: it keeps a context in its receiver, or hands it back.
func (s *Summary) builds() bool {
	return s != nil && (len(s.SetsCtx) > 0 || len(s.Self) > 0)
}
