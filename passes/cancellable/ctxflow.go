package cancellable

import (
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// This file follows the contexts that work runs under, for the rules of
// work that outlives its context (ctxshared, ctxbackground): forward, what
// a function does with a context it holds (ctxUses: works under it,
// observes it, or neither); backward, where a context comes from
// (ctxRoots: a parameter of the function or of a function enclosing it, a
// handler's request, or nothing per caller). Both see through local and
// captured variables by the stores that reach each load, so that
//
//	ctx = context.WithoutCancel(ctx)
//	go notify(ctx)
//
// is detached, and through the derivations of the context model
// (WithValue, WithTimeout, a request's Context()).

// A ctxUse says what a function does with a context.
type ctxUse uint8

const (
	// ctxWork: the context governs work: it is given to a call that may
	// do work under it (I/O, a callee whose summary lists the parameter in
	// CtxParams), kept, sent, or returned.
	ctxWork ctxUse = 1 << iota
	// ctxObserve: the function waits for the context to end or reads its
	// error (Done, Err, context.Cause, context.AfterFunc).
	ctxObserve
)

// ctxUses returns what f does with the context that v holds: v is a
// context, or a value holding one (cancelmodel.HoldsContext), or a
// pointer to a variable holding one (a captured variable).
func (f *Func) ctxUses(v ssa.Value, w *ctxWalk) ctxUse {
	if v == nil || w.seen[v] {
		return 0
	}
	w.seen[v] = true
	refs := v.Referrers()
	if refs == nil {
		return 0
	}
	var use ctxUse
	for _, r := range *refs {
		use |= f.useBy(v, r, w)
		if use == ctxWork|ctxObserve {
			break
		}
	}
	return use
}

// A ctxWalk is one walk of ctxUses: the values it has seen, and where
// the first use it found is, for messages.
type ctxWalk struct {
	seen map[ssa.Value]bool
	pos  token.Pos
}

func newCtxWalk() *ctxWalk { return &ctxWalk{seen: make(map[ssa.Value]bool)} }

// useBy is ctxUseBy, recording where the walk first found a use.
func (f *Func) useBy(v ssa.Value, r ssa.Instruction, w *ctxWalk) ctxUse {
	use := f.ctxUseBy(v, r, w)
	if use != 0 && !w.pos.IsValid() && r.Pos().IsValid() {
		w.pos = r.Pos()
	}
	return use
}

// ctxUseBy is what one instruction that uses v does with its context.
func (f *Func) ctxUseBy(v ssa.Value, r ssa.Instruction, w *ctxWalk) ctxUse {
	switch r := r.(type) {
	case *ssa.Call:
		return f.ctxUseInCall(v, r.Common(), r, w)
	case *ssa.Go:
		return f.ctxUseInCall(v, r.Common(), nil, w)
	case *ssa.Defer:
		return f.ctxUseInCall(v, r.Common(), nil, w)
	case *ssa.MakeClosure:
		var use ctxUse
		if cl := f.s.byFunc[r.Fn.(*ssa.Function)]; cl != nil {
			for k, b := range r.Bindings {
				if b == v && k < len(cl.SSA.FreeVars) {
					use |= cl.incomingUses(cl.SSA.FreeVars[k], w)
				}
			}
		}
		return use
	case *ssa.MakeInterface, *ssa.ChangeInterface, *ssa.ChangeType, *ssa.Phi, *ssa.TypeAssert:
		return f.ctxUses(r.(ssa.Value), w)
	case *ssa.UnOp:
		if r.Op == mulOp && r.X == v && holdsContext(r.Type()) {
			return f.ctxUses(r, w)
		}
	case *ssa.FieldAddr:
		if holdsContext(deref(r.Type())) {
			return f.ctxUses(r, w) // gin's c.Request: its loads
		}
	case *ssa.Field:
		if holdsContext(r.Type()) {
			return f.ctxUses(r, w)
		}
	case *ssa.Store:
		if r.Val != v {
			return 0
		}
		switch addr := r.Addr.(type) {
		case *ssa.Alloc, *ssa.FreeVar:
			// A variable: the loads (and closures) that this store reaches.
			var use ctxUse
			for _, u := range readersOf(addr, r) {
				use |= f.useBy(addr, u, w)
			}
			return use
		}
		if fa, ok := r.Addr.(*ssa.FieldAddr); ok && overridesDone(deref(fa.X.Type())) {
			return 0 // a context of its own making that is never done (traefik's contextStopPropagation)
		}
		return ctxWork // kept where other code may take it
	case *ssa.MapUpdate:
		if r.Value == v {
			return ctxWork
		}
	case *ssa.Send:
		if r.X == v {
			return ctxWork
		}
	case *ssa.Return:
		return ctxWork
	}
	return 0
}

// incomingUses is ctxUses for a value that a function gets from outside
// (a free variable, a parameter): a captured variable is followed to the
// loads that read what the variable held when the closure was made, not
// what the closure stores into it itself.
func (f *Func) incomingUses(v ssa.Value, w *ctxWalk) ctxUse {
	if _, ptr := v.Type().Underlying().(*types.Pointer); !ptr || holdsContext(v.Type()) {
		return f.ctxUses(v, w)
	}
	if w.seen[v] {
		return 0
	}
	w.seen[v] = true
	var use ctxUse
	for _, u := range readersOf(v, nil) {
		use |= f.useBy(v, u, w)
	}
	return use
}

// readersOf returns the instructions that read the variable at addr
// (loads, closures that capture it, calls given its address) and that
// the store st reaches — or, when st is nil, that the variable's value on
// entry to the function reaches — with no other store to addr between.
func readersOf(addr ssa.Value, st *ssa.Store) []ssa.Instruction {
	fn := addr.Parent()
	if st != nil {
		fn = st.Parent()
	}
	if fn == nil || len(fn.Blocks) == 0 {
		return nil
	}
	var out []ssa.Instruction
	seen := make(map[*ssa.BasicBlock]bool)
	var visit func(b *ssa.BasicBlock, i int)
	visit = func(b *ssa.BasicBlock, i int) {
		for ; i < len(b.Instrs); i++ {
			switch in := b.Instrs[i].(type) {
			case *ssa.Store:
				if in.Addr == addr {
					return
				}
			case *ssa.DebugRef:
			default:
				if operandIs(in, addr) {
					out = append(out, in)
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
	if st == nil {
		seen[fn.Blocks[0]] = true
		visit(fn.Blocks[0], 0)
	} else {
		b := st.Block()
		visit(b, slices.Index(b.Instrs, ssa.Instruction(st))+1)
	}
	return out
}

// operandIs reports whether v is one of the operands of instr.
func operandIs(instr ssa.Instruction, v ssa.Value) bool {
	for _, op := range instr.Operands(nil) {
		if op != nil && *op == v {
			return true
		}
	}
	return false
}

// ctxUseInCall is what a call does with the context v holds: v is its
// receiver or one of its arguments. call is nil for go and defer.
func (f *Func) ctxUseInCall(v ssa.Value, c *ssa.CallCommon, call *ssa.Call, w *ctxWalk) ctxUse {
	callee := f.Callee(c)
	args := callee.CallArgs(c)
	recv := c.IsInvoke() || callee.Recv
	if recv && len(args) > 0 && args[0] == v {
		return f.ctxUseAsReceiver(v, c, callee, call, w)
	}
	if c.Value == v {
		return 0 // a function value that holds a context: not followed
	}
	if recv && len(args) > 0 {
		args = args[1:]
	}
	fn := callee.Func
	switch {
	case cancelmodel.Uncancellable(fn):
		return 0 // detached: context.WithoutCancel
	case cancelmodel.LogsOnly(fn):
		return 0
	case cancelmodel.Observes(fn):
		return ctxObserve
	case cancelmodel.DerivesContext(fn), cancelmodel.BindsContext(fn):
		return f.resultUses(call, w)
	}
	var use ctxUse
	for i, a := range args {
		if a != v {
			continue
		}
		if call != nil && holderResults(call) {
			// A context in, a context (or request) out: what the caller
			// does with the one it gets back, unless the callee's summary
			// says it drops this one.
			if !f.s.analysed(callee) || len(callee.Members) > 0 || callee.Summary.usesCtx(i) {
				use |= f.resultUses(call, w)
			}
			continue
		}
		if f.calleeUsesCtx(callee, i) {
			use |= ctxWork
		}
	}
	return use
}

// calleeUsesCtx reports whether a call's callee does work under the
// context its parameter i is given: its summary says so, or it is not
// analysed (the standard library, which the context model stands for; a
// function value or an interface method that is not resolved).
func (f *Func) calleeUsesCtx(callee Callee, i int) bool {
	if callee.Runtime != "" {
		return false
	}
	if len(callee.Members) > 0 {
		if !callee.Closed {
			return true
		}
		return slices.ContainsFunc(callee.Members, func(m Callee) bool { return m.Summary.usesCtx(i) })
	}
	if !f.s.analysed(callee) {
		return true
	}
	return callee.Summary.usesCtx(i)
}

// usesCtx reports whether the summary lists parameter i in CtxParams.
func (s *Summary) usesCtx(i int) bool { return s != nil && slices.Contains(s.CtxParams, i) }

// ctxUseAsReceiver is what a method call on a value holding a context
// does with it: a context's Done, Err and Deadline observe it, Value
// reads a value; a holder's Context() or Request() gives it on (as do
// its other methods that return a holder, such as gin's Copy); its other
// methods (writing a response) are not work under it.
func (f *Func) ctxUseAsReceiver(v ssa.Value, c *ssa.CallCommon, callee Callee, call *ssa.Call, w *ctxWalk) ctxUse {
	name := ""
	switch {
	case c.IsInvoke():
		name = c.Method.Name()
	case callee.Func != nil:
		name = callee.Func.Name()
	}
	if cancelmodel.IsContextType(v.Type()) {
		switch name {
		case "Done", "Err", "Deadline":
			return ctxObserve
		case "Value":
			return 0
		}
	}
	if cancelmodel.BindsContext(callee.Func) {
		return 0 // r.WithContext(ctx): the result holds ctx, not r's
	}
	if call != nil && holderResults(call) {
		return f.resultUses(call, w)
	}
	return 0
}

// resultUses is what f does with the contexts a call returns.
func (f *Func) resultUses(call *ssa.Call, w *ctxWalk) ctxUse {
	if call == nil {
		return 0
	}
	if _, tuple := call.Type().(*types.Tuple); !tuple {
		if holdsContext(call.Type()) {
			return f.ctxUses(call, w)
		}
		return 0
	}
	var use ctxUse
	for _, r := range *call.Referrers() {
		if ex, ok := r.(*ssa.Extract); ok && holdsContext(ex.Type()) {
			use |= f.ctxUses(ex, w)
		}
	}
	return use
}

// holderResults reports whether a call returns a value holding a context.
func holderResults(call *ssa.Call) bool {
	results := call.Common().Signature().Results()
	for i := 0; i < results.Len(); i++ {
		if holdsContext(results.At(i).Type()) {
			return true
		}
	}
	return false
}

// holdsContext is cancelmodel.HoldsContext.
func holdsContext(t types.Type) bool { return cancelmodel.HoldsContext(t) }

// deref returns the element type of a pointer type, or t.
func deref(t types.Type) types.Type {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

// ctxParams records in the summary the parameters whose context the
// function works under (or hands back).
func (f *Func) ctxParams() {
	if !f.s.context {
		return
	}
	params := f.SSA.Params
	if f.SSA.Signature.Recv() != nil && len(params) > 0 {
		params = params[1:]
	}
	for i, p := range params {
		if holdsContext(p.Type()) && f.ctxUses(p, newCtxWalk())&ctxWork != 0 {
			f.Summary.CtxParams = append(f.Summary.CtxParams, i)
		}
	}
}

// A ctxRoot is where a context comes from, per call of a function: a
// parameter of the function or of a function that encloses it, which may
// hold a handler's request.
type ctxRoot struct {
	fn      *Func  // the function whose parameter it is
	param   int    // its index, receiver excluded
	request string // what request it holds (cancelmodel.RequestParam.What), or ""
	reused  bool   // the framework hands the parameter to another request once fn returns (cancelmodel.RequestParam.Reused)
	// via is the closure made in fn, on the way from fn down to the
	// function the context was followed from (nil when that is fn).
	via *ssa.MakeClosure
}

// ctxRoots returns the roots of the context that v holds at instruction
// at: the parameters it derives from, seen through variables (the stores
// that reach at), closures (the function that made the closure),
// derivations and holders. A context made here (context.Background(),
// WithoutCancel), a field of the receiver (a context of the object, not
// of the call) or a package variable has no root.
func (f *Func) ctxRoots(v ssa.Value, at ssa.Instruction) []ctxRoot {
	var out []ctxRoot
	f.collectRoots(v, at, make(map[ssa.Value]bool), func(r ctxRoot) {
		if !slices.ContainsFunc(out, func(o ctxRoot) bool { return o.fn == r.fn && o.param == r.param }) {
			out = append(out, r)
		}
	})
	return out
}

func (f *Func) collectRoots(v ssa.Value, at ssa.Instruction, seen map[ssa.Value]bool, add func(ctxRoot)) {
	if v == nil || seen[v] {
		return
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Parameter:
		i := slices.Index(f.SSA.Params, v)
		if f.SSA.Signature.Recv() != nil {
			i--
		}
		if i < 0 {
			return // the receiver
		}
		root := ctxRoot{fn: f, param: i}
		for _, rp := range cancelmodel.RequestParams(f.SSA.Signature) {
			if rp.Index == i {
				root.request, root.reused = rp.What, rp.Reused
			}
		}
		add(root)
	case *ssa.FreeVar:
		f.freeVarRoots(v, seen, add)
	case *ssa.Alloc:
		// A captured variable, as a closure made at `at` sees it.
		for _, val := range storesReaching(v, at) {
			f.collectRoots(val, at, seen, add)
		}
	case *ssa.Call:
		f.callRoots(v, v.Common(), at, seen, add)
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			f.callRoots(call, call.Common(), at, seen, add)
		}
	case *ssa.Phi:
		for _, e := range v.Edges {
			f.collectRoots(e, at, seen, add)
		}
	case *ssa.MakeInterface:
		f.collectRoots(v.X, at, seen, add)
	case *ssa.ChangeInterface:
		f.collectRoots(v.X, at, seen, add)
	case *ssa.ChangeType:
		f.collectRoots(v.X, at, seen, add)
	case *ssa.TypeAssert:
		f.collectRoots(v.X, at, seen, add)
	case *ssa.UnOp:
		if v.Op != mulOp {
			return
		}
		switch x := v.X.(type) {
		case *ssa.Alloc:
			for _, val := range storesReaching(x, v) {
				f.collectRoots(val, v, seen, add)
			}
		case *ssa.FreeVar:
			vals, incoming := storesReachingIn(x, v)
			for _, val := range vals {
				f.collectRoots(val, v, seen, add)
			}
			if incoming {
				f.freeVarRoots(x, seen, add)
			}
		case *ssa.FieldAddr:
			f.fieldRoots(x.X, at, seen, add)
		}
	case *ssa.Field:
		f.fieldRoots(v.X, at, seen, add)
	}
}

// fieldRoots: a context (or request) kept in a field of x is the call's
// when x is, except in the receiver: a server's own context is not its
// callers'.
func (f *Func) fieldRoots(x ssa.Value, at ssa.Instruction, seen map[ssa.Value]bool, add func(ctxRoot)) {
	if p, ok := x.(*ssa.Parameter); ok && f.SSA.Signature.Recv() != nil && len(f.SSA.Params) > 0 && f.SSA.Params[0] == p {
		return
	}
	f.collectRoots(x, at, seen, add)
}

// callRoots: the roots of a context a call returns.
func (f *Func) callRoots(call *ssa.Call, c *ssa.CallCommon, at ssa.Instruction, seen map[ssa.Value]bool, add func(ctxRoot)) {
	callee := f.Callee(c)
	fn := callee.Func
	args := callee.CallArgs(c)
	recv := c.IsInvoke() || callee.Recv
	switch {
	case cancelmodel.Uncancellable(fn):
		return
	case cancelmodel.BindsContext(fn):
		// http.NewRequestWithContext(ctx, …), r.WithContext(ctx): ctx.
		for _, a := range args[min(len(args), btoi(recv)):] {
			if cancelmodel.IsContextType(a.Type()) {
				f.collectRoots(a, at, seen, add)
			}
		}
		return
	}
	if recv && len(args) > 0 && args[0] != nil && holdsContext(args[0].Type()) {
		// r.Context(), c.Request(), stream.Context(), c.Copy().
		f.collectRoots(args[0], at, seen, add)
		return
	}
	if recv && len(args) > 0 {
		args = args[1:]
	}
	derives := cancelmodel.DerivesContext(fn)
	for i, a := range args {
		if a == nil || !holdsContext(a.Type()) {
			continue
		}
		// A context in, a context out: derived, unless the callee's
		// summary says it does not keep this one.
		if derives || !f.s.analysed(callee) || len(callee.Members) > 0 || callee.Summary.usesCtx(i) {
			f.collectRoots(a, at, seen, add)
		}
	}
}

// freeVarRoots follows a free variable of a closure to the values its
// makers bind to it.
func (f *Func) freeVarRoots(fv *ssa.FreeVar, seen map[ssa.Value]bool, add func(ctxRoot)) {
	parent := f.s.byFunc[f.SSA.Parent()]
	k := slices.Index(f.SSA.FreeVars, fv)
	if parent == nil || k < 0 || f.SSA.Referrers() == nil {
		return
	}
	for _, r := range *f.SSA.Referrers() {
		mc, ok := r.(*ssa.MakeClosure)
		if !ok || k >= len(mc.Bindings) {
			continue
		}
		parent.collectRoots(mc.Bindings[k], mc, seen, func(root ctxRoot) {
			if root.via == nil {
				root.via = mc
			}
			add(root)
		})
	}
}

// storesReaching returns the values stored into the variable alloc that
// reach instruction at: the last store on each path back from it.
func storesReaching(alloc ssa.Value, at ssa.Instruction) []ssa.Value {
	vals, _ := storesReachingIn(alloc, at)
	return vals
}

// storesReachingIn is storesReaching, and whether a path back from at
// reaches the function's entry with no store (the variable's value on
// entry: a captured variable's, from the closure's maker).
func storesReachingIn(addr ssa.Value, at ssa.Instruction) (vals []ssa.Value, incoming bool) {
	b := at.Block()
	if b == nil {
		return nil, false
	}
	i := slices.Index(b.Instrs, at)
	seen := make(map[*ssa.BasicBlock]bool)
	var visit func(b *ssa.BasicBlock, end int)
	visit = func(b *ssa.BasicBlock, end int) {
		for j := end - 1; j >= 0; j-- {
			if st, ok := b.Instrs[j].(*ssa.Store); ok && st.Addr == addr {
				if !slices.Contains(vals, st.Val) {
					vals = append(vals, st.Val)
				}
				return
			}
		}
		if len(b.Preds) == 0 {
			incoming = true
		}
		for _, p := range b.Preds {
			if !seen[p] {
				seen[p] = true
				visit(p, len(p.Instrs))
			}
		}
	}
	visit(b, i)
	return vals, incoming
}

// btoi is 1 for true.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// spawnPos is where a spawn is reported: the go statement, or the call
// that hands the work over.
func (f *Func) spawnPos(instr ssa.Instruction) token.Pos {
	switch in := instr.(type) {
	case *ssa.Go:
		return in.Pos()
	case *ssa.Call:
		return f.s.callStart(in.Pos())
	}
	return instr.Pos()
}

// overridesDone reports whether t is a named type that declares its own
// Done method: a context made of another one, with a Done of its own
// making, is a detached context written by hand (the Done of
// context.WithoutCancel), not the one it holds.
func overridesDone(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || !cancelmodel.IsContextType(types.NewPointer(n)) && !cancelmodel.IsContextType(n) {
		return false
	}
	for m := range n.Methods() {
		if m.Name() == "Done" {
			return true
		}
	}
	return false
}
