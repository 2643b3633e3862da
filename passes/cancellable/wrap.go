package cancellable

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// This file follows an error into the values that hold it without being
// errors themselves — a struct made around it, a slice it is appended to —
// and judges the error those become by its type: a type with Unwrap() error,
// Unwrap() []error or Is(error) bool passes the cancellation on to
// errors.Is, any other cuts it out of the chain, whatever the type's name.
// It also follows the error's text into the messages made from it, and the
// error through helpers whose summaries say what they do with an error
// parameter.

// wrapsByType reports whether an error of type t keeps the errors it holds
// in its chain: its method set has Unwrap() error, Unwrap() []error or
// Is(error) bool.
func wrapsByType(t types.Type) bool {
	ms := types.NewMethodSet(t)
	for i := 0; i < ms.Len(); i++ {
		fn, ok := ms.At(i).Obj().(*types.Func)
		if !ok {
			continue
		}
		sig := fn.Type().(*types.Signature)
		switch fn.Name() {
		case "Unwrap":
			if sig.Params().Len() == 0 && sig.Results().Len() == 1 {
				rt := sig.Results().At(0).Type()
				if sl, ok := rt.Underlying().(*types.Slice); cancelmodel.IsError(rt) || ok && cancelmodel.IsError(sl.Elem()) {
					return true
				}
			}
		case "Is":
			if sig.Params().Len() == 1 && cancelmodel.IsError(sig.Params().At(0).Type()) && sig.Results().Len() == 1 {
				return true
			}
		}
	}
	return false
}

// holderOf returns the value that an address into a new value made in this
// function belongs to: the struct of a field (&MyErr{Err: err}), the slice
// of a slice literal's element ([]error{err}). nil for any other address.
func holderOf(addr ssa.Value) ssa.Value {
	switch a := addr.(type) {
	case *ssa.FieldAddr:
		if alloc, ok := a.X.(*ssa.Alloc); ok {
			return alloc
		}
	case *ssa.IndexAddr:
		if alloc, ok := a.X.(*ssa.Alloc); ok {
			for _, r := range *alloc.Referrers() {
				if sl, ok := r.(*ssa.Slice); ok {
					return sl
				}
			}
		}
	}
	return nil
}

// classifyHolder says how instruction r uses v, a value that holds a
// possible cancellation (see holderOf): what follows it on, and where it
// becomes an error again, whether the error keeps it.
func (t *taint) classifyHolder(v ssa.Value, fl Flags, r ssa.Instruction, add, hold func(ssa.Value, Flags)) useKind {
	switch r := r.(type) {
	case *ssa.DebugRef:
		return 0
	case *ssa.FieldAddr, *ssa.IndexAddr:
		// Reading the held error back out: e.Err, errs[i].
		for _, rr := range *r.(ssa.Value).Referrers() {
			if load, ok := rr.(*ssa.UnOp); ok && load.Op == mulOp && cancelmodel.IsError(load.Type()) {
				add(load, fl)
			}
		}
		return useReads
	case *ssa.UnOp:
		if r.Op == mulOp {
			hold(r, fl) // the struct as a value: MyErr{...}
		}
		return useReads
	case *ssa.Phi:
		hold(r, fl)
		return useReads
	case *ssa.ChangeType:
		hold(r, fl) // MultiError(errs)
		return useReads
	case *ssa.Slice:
		hold(r, fl)
		return useReads
	case *ssa.MapUpdate:
		if r.Map == v && r.Value != v {
			return useReads // another entry put into the map holding it
		}
	case *ssa.Lookup:
		// Reading the held error back out: m[k].
		if cancelmodel.IsError(r.Type()) {
			add(r, fl)
		} else if tuple, ok := r.Type().(*types.Tuple); ok && r.CommaOk && cancelmodel.IsError(tuple.At(0).Type()) {
			for _, rr := range *r.Referrers() {
				if e, ok := rr.(*ssa.Extract); ok && e.Index == 0 {
					add(e, fl)
				}
			}
		}
		return useReads
	case *ssa.Range:
		// for k, err := range m: the values read back out.
		for _, rr := range *r.Referrers() {
			next, ok := rr.(*ssa.Next)
			if !ok {
				continue
			}
			for _, nr := range *next.Referrers() {
				if e, ok := nr.(*ssa.Extract); ok && e.Index == 2 && cancelmodel.IsError(e.Type()) {
					add(e, fl)
				}
			}
		}
		return useReads
	case *ssa.MakeInterface:
		if !types.IsInterface(r.Type()) || !types.Implements(r.X.Type(), errorInterface) {
			return usePropagate // boxed as something other than an error: not followed
		}
		if wrapsByType(r.X.Type()) {
			add(r, wrapped(fl))
		} else {
			t.cuts = append(t.cuts, cut{at: r, typ: r.X.Type(), pos: t.entryPos(v)})
		}
		return useReads
	case *ssa.Store:
		if r.Val != v {
			return useReads
		}
		if alloc, ok := r.Addr.(*ssa.Alloc); ok && !captured(alloc) {
			for _, ar := range *alloc.Referrers() {
				if load, ok := ar.(*ssa.UnOp); ok && load.Op == mulOp && slices.Contains(reachingStores(load), v) {
					hold(load, fl)
				}
			}
			return useReads
		}
		if h := holderOf(r.Addr); h != nil {
			hold(h, fl) // nested: &Outer{Inner: inner}
			return useReads
		}
		if call, k, ok := variadicCall(r); ok {
			t.use(call, t.classifyCall(call, k, fl, add, hold))
			return 0
		}
	case *ssa.Call:
		c := r.Common()
		for k, a := range c.Args {
			if a == v {
				if kind := t.classifyCall(r, k, fl, add, hold); kind == usePropagate {
					return usePropagate
				}
			}
		}
		return useReads
	}
	// Returned as it is (a concrete error type), sent, stored elsewhere:
	// passed on.
	return usePropagate
}

// entryPos returns where the error went into the holder v, for reporting
// a cut by type: the append, or the composite literal.
func (t *taint) entryPos(v ssa.Value) token.Pos {
	for _, r := range t.roots[v] {
		switch r := r.(type) {
		case *ssa.Store:
			if call, _, ok := variadicCall(r); ok {
				return t.f.s.callStart(call.Pos())
			}
			if h := holderOf(r.Addr); h != nil && h.Pos().IsValid() {
				return h.Pos()
			}
		case *ssa.Call:
			return t.f.s.callStart(r.Pos())
		}
		if r.Pos().IsValid() {
			return r.Pos()
		}
	}
	return v.Pos()
}

// holderFlags returns what the errors a holder value holds may carry,
// looking back from the value: the errors stored into the fields of a
// struct made here, or into the elements of a slice literal or appended to
// a slice, and ok when v is such a holder.
func (f *Func) holderFlags(v ssa.Value, seen map[ssa.Value]bool) (fl Flags, ok bool) {
	if seen[v] {
		return 0, true
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Alloc:
		for _, r := range *v.Referrers() {
			var addr ssa.Value
			switch r := r.(type) {
			case *ssa.FieldAddr:
				addr = r
			case *ssa.IndexAddr:
				addr = r
			default:
				continue
			}
			ok = true
			for _, rr := range *addr.Referrers() {
				if st, isStore := rr.(*ssa.Store); isStore && st.Addr == addr {
					fl |= f.errorFlags(st.Val, seen)
					if inner, isHolder := f.holderFlags(st.Val, seen); isHolder {
						fl |= inner
					}
				}
			}
		}
		return fl, ok
	case *ssa.UnOp:
		if v.Op == mulOp {
			return f.holderFlags(v.X, seen)
		}
	case *ssa.ChangeType:
		return f.holderFlags(v.X, seen)
	case *ssa.Slice:
		return f.holderFlags(v.X, seen)
	case *ssa.Phi:
		for _, e := range v.Edges {
			efl, eok := f.holderFlags(e, seen)
			fl, ok = fl|efl, ok || eok
		}
		return fl, ok
	case *ssa.Call:
		if b, isBuiltin := v.Call.Value.(*ssa.Builtin); isBuiltin && b.Name() == "append" {
			for _, a := range Args(&v.Call) {
				afl, _ := f.holderFlags(a, seen)
				fl |= afl | f.errorFlags(a, seen)
			}
			return fl, true
		}
	}
	return 0, false
}

// A ParamErr says what a function does with an error parameter: passes it
// on in an error result (as it is, or wrapped), or cuts it out of the error
// it returns.
type ParamErr struct {
	Param   int  // the parameter, receiver excluded
	Result  int  // the error result it reaches
	Wrapped bool // inside a wrapper: only errors.Is and errors.As see it
	// Cut, when not empty, says how the parameter is cut out of the
	// result ("fmt.Errorf with %v"), at CutPos.
	Cut    string
	CutPos string
}

// paramErrs records, for each error parameter, what reaches the
// function's error results: the parameter (wrapped or not), or a cut of
// it. t is the parameter's taint.
func (f *Func) paramErrs(param int, t *taint) {
	results := f.SSA.Signature.Results()
	for _, b := range f.SSA.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok {
			continue
		}
		for i, v := range ret.Results {
			if i >= results.Len() || !cancelmodel.IsError(results.At(i).Type()) {
				continue
			}
			if fl, ok := t.flags[v]; ok {
				f.addParamErr(ParamErr{Param: param, Result: i, Wrapped: fl&Wrapped != 0})
				continue
			}
			for _, c := range t.cuts {
				if c.passed && reaches(c.at, v) {
					f.addParamErr(ParamErr{Param: param, Result: i, Cut: c.what(t.f),
						CutPos: f.s.pass.Fset.Position(c.site(f)).String()})
				}
			}
		}
	}
}

func (f *Func) addParamErr(p ParamErr) {
	for i, old := range f.Summary.ParamErrs {
		if old.Param == p.Param && old.Result == p.Result {
			if old.Cut != "" && p.Cut == "" {
				f.Summary.ParamErrs[i] = p // passed on somewhere: not a cut
			}
			f.Summary.ParamErrs[i].Wrapped = f.Summary.ParamErrs[i].Wrapped || p.Wrapped
			return
		}
	}
	f.Summary.ParamErrs = append(f.Summary.ParamErrs, p)
}

// reaches reports whether the value from reaches v through phis and
// interface conversions.
func reaches(from, v ssa.Value) bool {
	seen := make(map[ssa.Value]bool)
	var visit func(v ssa.Value) bool
	visit = func(v ssa.Value) bool {
		if v == from {
			return true
		}
		if seen[v] {
			return false
		}
		seen[v] = true
		switch v := v.(type) {
		case *ssa.Phi:
			return slices.ContainsFunc(v.Edges, visit)
		case *ssa.ChangeInterface:
			return visit(v.X)
		case *ssa.UnOp:
			if _, ok := v.X.(*ssa.Alloc); ok && v.Op == mulOp {
				return slices.ContainsFunc(reachingStores(v), visit)
			}
		}
		return false
	}
	return visit(v)
}

// paramErr returns what the callee does with the error it gets as
// parameter i, if its summary says.
func paramErr(sum *Summary, i int) (ParamErr, bool) {
	if sum == nil {
		return ParamErr{}, false
	}
	for _, p := range sum.ParamErrs {
		if p.Param == i {
			return p, true
		}
	}
	return ParamErr{}, false
}

// textOps lists the functions whose string result is made from their
// string arguments: a message made from an error's text is still its text.
func textOp(name string) bool {
	switch name {
	case "strings.Join", "strings.TrimSpace", "strings.ToLower", "strings.ToUpper", "strings.Title",
		"strings.Replace", "strings.ReplaceAll", "strings.TrimPrefix", "strings.TrimSuffix", "strings.Trim",
		"strings.Repeat", "fmt.Sprint", "fmt.Sprintf", "fmt.Sprintln":
		return true
	}
	return false
}

// followTexts extends t.texts to the strings made from them: concatenation,
// the strings functions above, fmt.Sprint*, slices of texts appended and
// joined, and local variables.
func (t *taint) followTexts() {
	work := make([]ssa.Value, 0, len(t.texts))
	for v := range t.texts {
		work = append(work, v)
	}
	add := func(v ssa.Value) {
		if !t.texts[v] {
			t.texts[v] = true
			work = append(work, v)
		}
	}
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		if v.Referrers() == nil {
			continue
		}
		for _, r := range *v.Referrers() {
			switch r := r.(type) {
			case *ssa.BinOp:
				if r.Op == token.ADD {
					add(r)
				}
			case *ssa.Phi:
				add(r)
			case *ssa.MakeInterface:
				for _, rr := range *r.Referrers() {
					if st, ok := rr.(*ssa.Store); ok && st.Val == r {
						if call, _, ok := variadicCall(st); ok && textOp(cancelmodel.FuncName(t.f.Callee(call.Common()).Func)) {
							add(call)
						}
					}
				}
			case *ssa.Store:
				if r.Val != v {
					continue
				}
				switch addr := r.Addr.(type) {
				case *ssa.Alloc:
					if !captured(addr) {
						for _, ar := range *addr.Referrers() {
							if load, ok := ar.(*ssa.UnOp); ok && load.Op == mulOp && slices.Contains(reachingStores(load), v) {
								add(load)
							}
						}
					}
				case *ssa.IndexAddr:
					if call, _, ok := variadicCall(r); ok {
						if b, ok := call.Call.Value.(*ssa.Builtin); ok && b.Name() == "append" {
							add(call) // msgs = append(msgs, err.Error())
						}
					} else if h := holderOf(addr); h != nil {
						add(h) // []string{err.Error()}
					}
				}
			case *ssa.Call:
				if b, ok := r.Call.Value.(*ssa.Builtin); ok && b.Name() == "append" {
					add(r)
				} else if textOp(cancelmodel.FuncName(t.f.Callee(r.Common()).Func)) {
					add(r)
				}
			}
		}
	}
}

// what says how a cut makes its new error, for messages: "fmt.Errorf
// with %v", "errors.New(err.Error())", "the error type *MultiError, which
// has no Unwrap or Is method", "wrap, which uses fmt.Errorf with %v".
func (c cut) what(f *Func) string {
	switch {
	case c.helper != nil:
		return f.calleeName(c.call.Common(), f.Callee(c.call.Common())) + ", which cuts it with " + strings.TrimSuffix(c.helper.Cut, ",") + ","
	case c.typ != nil:
		return "the error type " + types.TypeString(c.typ, types.RelativeTo(f.s.pass.Pkg)) + ", which has no Unwrap or Is method,"
	}
	callee := cancelmodel.FuncName(f.Callee(c.call.Common()).Func)
	if c.verb != 0 {
		return fmt.Sprintf("%s with %%%c", callee, c.verb)
	}
	return callee + "(err.Error())"
}

// site returns where a cut is: the call that makes the new error, or the
// value made around it.
func (c cut) site(f *Func) token.Pos {
	switch {
	case c.call != nil:
		return f.s.callStart(c.call.Pos())
	case c.pos.IsValid():
		return c.pos
	}
	return c.at.Pos()
}
