package cancellable

import (
	"fmt"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// This file follows contexts by value within a function, for the context
// model (internal/cancelmodel/context.go): which values are cancellable
// contexts, which values carry one, and which calls are given one, so
// that their errors may be context errors.

// ctxCancellable reports whether v, a context, may be cancelled: it is
// not made by context.Background, TODO or WithoutCancel, nor derived from
// one of those by context.WithValue only, nor loaded from a field that
// only such contexts are stored into. A parameter, an exported field, the
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
		if v.Op == mulOp {
			return f.storedShielded(v.X, seen)
		}
	case *ssa.Field:
		return f.storedShielded(v, seen)
	case *ssa.Const:
		return true // a nil context: nothing cancels it
	}
	return false
}

// storedShielded reports whether the context loaded from addr, an
// unexported field of this package's struct or an unexported package
// variable, cannot be cancelled: the package stores into it, and every
// context it stores is shielded (a bus that keeps context.Background()
// for its workers). Other packages cannot store into such a place, so
// the package's stores are all of them.
func (f *Func) storedShielded(addr ssa.Value, seen map[ssa.Value]bool) bool {
	key, local := f.s.storageKey(addr)
	if key == nil || !local || key.Exported() {
		return false
	}
	vals := f.s.fieldStores()[key]
	for _, val := range vals {
		if !val.f.ctxShielded(val.v, seen) {
			return false
		}
	}
	return len(vals) > 0
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
	} else if callee.Recv && len(args) > 0 && recvOffset(c, callee) == 1 && isHTTPRequest(args[0].Type()) {
		// An *http.Request's own methods (Write, ParseForm) do not use
		// its context; a client given one (Do, RoundTrip) does.
		args = args[1:]
	}
	for _, a := range args {
		if f.carriesContext(a) {
			return true
		}
	}
	return false
}

// isHTTPRequest reports whether t is *http.Request.
func isHTTPRequest(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := p.Elem().(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "net/http" && n.Obj().Name() == "Request"
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
	case len(callee.Members) > 0:
		return callee.Closed
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
		if callee := f.Callee(c); f.s.analysed(callee) {
			return callee.Summary.Result(index) & (CtxAny | Wrapped)
		}
		if pkg := c.Method.Pkg(); pkg != nil && cancelmodel.Modelled(pkg.Path()) {
			// An interface of the standard library: its methods given a
			// context (http.RoundTripper.RoundTrip) fail with its error.
			if f.givenContext(c, Callee{}) {
				return Ctx | Wrapped
			}
			return 0
		}
		if f.givenContextDirectly(c) {
			return CtxGuess | Wrapped
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
		if f.onlyUncancellable(c) {
			return 0 // limiter.Wait(context.Background()): its context cannot end
		}
		return callee.Summary.Result(index) & (CtxAny | Wrapped)
	case callee.Runtime != "", cancelmodel.BindsContext(callee.Func):
		return 0
	case callee.Func != nil && callee.Func.Pkg() != nil && cancelmodel.Modelled(callee.Func.Pkg().Path()):
		if f.givenContext(c, callee) {
			return Ctx | Wrapped // the standard library's I/O
		}
	case f.givenContextDirectly(c):
		return CtxGuess | Wrapped // code out of sight, given the context
	}
	return 0
}

// givenContextDirectly reports whether one of a call's arguments (the
// receiver included) is a context that may be cancelled: for code out of
// sight, a handle it is given says less than a context.
func (f *Func) givenContextDirectly(c *ssa.CallCommon) bool {
	args := c.Args
	if c.IsInvoke() {
		args = append([]ssa.Value{c.Value}, args...)
	}
	for _, a := range args {
		if cancelmodel.IsContextType(a.Type()) && f.ctxCancellable(a) {
			return true
		}
	}
	return false
}

// An Origin says where a function's error result gets a context error
// from: the call path from the function down to the call that returns it
// (a context's Err, a call given a cancellable context that is modelled
// or not resolved), for the messages of the context rules.
type Origin struct {
	Result int    // the error result
	Path   []Step // from the function (Path[0]) to the one that makes the call
	What   string // the call: "ctx.Err()", "sql.DB.QueryContext"
	Pos    string // "file:line:col" of the call
	Guess  bool   // the call is code out of sight given the context (CtxGuess)
}

// originOf returns where a context error in v comes from, following v
// back as ErrorFlags does, or false: a certain origin (Ctx) where one is
// found, else a guessed one.
func (f *Func) originOf(v ssa.Value) (Origin, bool) {
	if o, ok := f.originWith(v, Ctx, make(map[ssa.Value]bool)); ok {
		return o, true
	}
	return f.originWith(v, CtxAny, make(map[ssa.Value]bool))
}

// originWith is originOf for the origins whose flags meet want.
func (f *Func) originWith(v ssa.Value, want Flags, seen map[ssa.Value]bool) (Origin, bool) {
	if v == nil || seen[v] {
		return Origin{}, false
	}
	seen[v] = true
	var call *ssa.Call
	index := 0
	switch v := v.(type) {
	case *ssa.Extract:
		call, _ = v.Tuple.(*ssa.Call)
		index = v.Index
	case *ssa.Call:
		call = v
	case *ssa.Phi:
		for _, e := range v.Edges {
			if o, ok := f.originWith(e, want, seen); ok {
				return o, true
			}
		}
	case *ssa.MakeInterface:
		if _, ok := f.holderFlags(v.X, make(map[ssa.Value]bool)); ok {
			return f.heldOrigin(v.X, want, seen)
		}
		return f.originWith(v.X, want, seen)
	case *ssa.ChangeInterface:
		return f.originWith(v.X, want, seen)
	case *ssa.ChangeType:
		return f.originWith(v.X, want, seen)
	case *ssa.UnOp:
		if _, ok := v.X.(*ssa.Alloc); ok && v.Op == mulOp {
			for _, val := range reachingStores(v) {
				if o, ok := f.originWith(val, want, seen); ok {
					return o, true
				}
			}
		}
	}
	if call == nil {
		return Origin{}, false
	}
	fl := f.callErrorFlags(call, index, make(map[ssa.Value]bool))
	if fl&want == 0 {
		return Origin{}, false
	}
	c := call.Common()
	callee := f.Callee(c)
	here := Step{Pkg: f.s.pass.Pkg.Path(), Func: f.Name()}
	pos := f.s.callStart(call.Pos())
	// Through a wrapper or a helper that passes an argument on.
	if cancelmodel.WrapsFirst(callee.Func) && len(c.Args) > 0 {
		return f.originWith(c.Args[0], want, seen)
	}
	if carries, formats := cancelmodel.Wraps(callee.Func); carries || formats {
		for _, a := range Args(c) {
			if o, ok := f.originWith(a, want, seen); ok {
				return o, true
			}
		}
		return Origin{}, false
	}
	if callee.Summary != nil {
		args := c.Args[recvOffset(c, callee):]
		for _, p := range callee.Summary.ParamErrs {
			if p.Result == index && p.Cut == "" && p.Param < len(args) {
				if o, ok := f.originWith(args[p.Param], want, seen); ok {
					return o, true
				}
			}
		}
	}
	// A callee that returns a context error it got further down.
	if f.s.analysed(callee) && len(callee.Members) == 0 {
		var sub []Origin
		if callee.Local != nil {
			sub = callee.Local.Summary.Origins
		} else {
			sub = callee.Summary.Origins
		}
		for _, o := range sub {
			if o.Result == index && (want&CtxGuess != 0 || !o.Guess) {
				here.Call = f.s.pass.Fset.Position(pos).String()
				o.Path = prepend(here, o.Path)
				return o, true
			}
		}
	}
	what := f.calleeName(c, callee)
	if f.errOf(call) != nil {
		what = "ctx.Err()"
	}
	return Origin{Path: []Step{here}, What: what, Pos: f.s.pass.Fset.Position(pos).String(), Guess: fl&Ctx == 0}, true
}

// heldOrigin is originOf for the errors a holder holds.
func (f *Func) heldOrigin(h ssa.Value, want Flags, seen map[ssa.Value]bool) (Origin, bool) {
	alloc, ok := h.(*ssa.Alloc)
	if !ok {
		if u, isLoad := h.(*ssa.UnOp); isLoad {
			alloc, ok = u.X.(*ssa.Alloc)
		}
	}
	if !ok {
		return Origin{}, false
	}
	for _, r := range *alloc.Referrers() {
		fa, ok := r.(*ssa.FieldAddr)
		if !ok {
			continue
		}
		for _, rr := range *fa.Referrers() {
			if st, ok := rr.(*ssa.Store); ok && st.Addr == fa {
				if o, ok := f.originWith(st.Val, want, seen); ok {
					return o, true
				}
			}
		}
	}
	return Origin{}, false
}

// origins records, for each error result that may carry a context error,
// where it comes from.
func (f *Func) origins() {
	results := f.SSA.Signature.Results()
	// Certain origins first, from any return; then guesses.
	for _, want := range []Flags{Ctx, CtxAny} {
		for _, b := range f.SSA.Blocks {
			ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
			if !ok {
				continue
			}
			for i, v := range ret.Results {
				if i >= results.Len() || f.Summary.Result(i)&CtxAny == 0 ||
					slices.ContainsFunc(f.Summary.Origins, func(o Origin) bool { return o.Result == i }) {
					continue
				}
				if o, ok := f.originWith(v, want, make(map[ssa.Value]bool)); ok {
					o.Result = i
					f.Summary.Origins = append(f.Summary.Origins, o)
				}
			}
		}
	}
}

// describe says where an origin is, for a message: "db.QueryContext in
// Store.Name (store.go:40), through Service.Get → Store.Name".
func (s *state) describe(o Origin) string {
	last := o.Path[len(o.Path)-1]
	text := fmt.Sprintf("%s in %s (%s)", o.What, s.stepName(last), shortPos(o.Pos))
	if len(o.Path) > 1 {
		text += ", through " + s.pathString(o.Path)
	}
	return text
}

// fromWhere says, for a message, where the context error in v comes from:
// "; it comes from db.QueryContext in Store.Name (store.go:40)", or "".
func (f *Func) fromWhere(v ssa.Value) string {
	if v == nil {
		return ""
	}
	o, ok := f.originOf(v)
	if !ok || len(o.Path) == 0 {
		return ""
	}
	return "; it comes from " + f.s.describe(o)
}

// onlyUncancellable reports whether a call is given contexts, and none of
// them, nor anything else it is given, can be cancelled: a summary's
// context errors are those of the contexts its callers pass.
func (f *Func) onlyUncancellable(c *ssa.CallCommon) bool {
	args := c.Args
	if c.IsInvoke() {
		args = append([]ssa.Value{c.Value}, args...)
	}
	contexts := 0
	for _, a := range args {
		if cancelmodel.IsContextType(a.Type()) {
			contexts++
			if f.ctxCancellable(a) {
				return false
			}
		} else if objectType(a.Type()) {
			// An object that keeps a context (a resty Request, an
			// xorm Session): judged by where it was made and what
			// it was given (ctxobject.go).
			contexts++
			if f.objectCarries(a) {
				return false
			}
		} else if f.carriesContext(a) {
			return false
		}
	}
	return contexts > 0
}

// objectType reports whether t is a pointer to a struct of code that is
// not modelled and keeps a context in a field: an object whose methods
// use the context it was given.
func objectType(t types.Type) bool {
	_, ptr := types.Unalias(t).(*types.Pointer)
	return ptr && !isHTTPRequest(t) && cancelmodel.CarrierType(t)
}
