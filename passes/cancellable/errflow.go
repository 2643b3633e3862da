package cancellable

import (
	"go/constant"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// A source is an error value that may carry a cancellation: an error result
// of a call (Await, or a callee whose summary says so) or the failure
// parameter of an errback.
type source struct {
	fn    *ssa.Function   // the function it lives in
	instr ssa.Instruction // the call that produces it; nil for a parameter
	value ssa.Value       // the error value; nil when the call's error is discarded
	flags Flags           // what it may carry: Cancel, and maybe FirstError
	from  string          // what it comes from, for messages: "Await", "loadRoom"
	// errback: the source is the failure parameter of an errback, which
	// recovers the chain by returning a nil error.
	errback bool
	via     *Func // for an errback: the function that adds it
	site    token.Pos
	// hypothetical: the error of a call of the function parameter param
	// (see paramcalls.go), a source only if the caller's function is one.
	hypothetical bool
	param        int
	// also are other values that are the same error (later reads of the
	// same r.Err).
	also []ssa.Value
}

// sources lists the function's sources in instruction order, and the
// failure parameters of the errbacks it adds to Deferreds.
func (f *Func) sources() []*source {
	var out []*source
	listSources := make(map[[2]any]*source)
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			if v := listResultErr(instr); v != nil {
				// Every read of the same r.Err is the same error: one
				// source, from the first read.
				key := listResultKey(v)
				if src := listSources[key]; src != nil {
					src.also = append(src.also, v)
					continue
				}
				src := &source{fn: f.SSA, instr: instr, value: v, from: "a List result", flags: Cancel}
				listSources[key] = src
				out = append(out, src)
				continue
			}
			call, ok := instr.(*ssa.Call)
			if !ok {
				continue
			}
			c := call.Common()
			callee := f.Callee(c)
			if f.param(c.Value) >= 0 && !c.IsInvoke() {
				continue // a hypothetical source: paramSources
			}
			if i, ok := cancelmodel.AwaitErrorResult(callee.Func); ok && len(c.Args) == 2 {
				out = append(out, &source{fn: f.SSA, instr: call, value: result(call, i), from: "Await",
					flags: Cancel | f.DeferredFlags(c.Args[1])&(FirstError|Wrapped)})
			} else if i, ok := cancelmodel.CancelErrorResult(callee.Func); ok && len(c.Args) == 2 {
				out = append(out, &source{fn: f.SSA, instr: call, value: result(call, i), from: "Wait",
					flags: Cancel | f.DeferredFlags(c.Args[1])&(FirstError|Wrapped)})
			} else {
				results := c.Signature().Results()
				for i := 0; i < results.Len(); i++ {
					if !cancelmodel.IsError(results.At(i).Type()) {
						continue
					}
					var fl Flags
					if callee.Summary != nil && callee.Summary.Result(i)&Cancel != 0 {
						fl = callee.Summary.Result(i) & (Cancel | FirstError | Wrapped)
					}
					if f.s.context {
						fl |= f.ctxErrorFlags(call, i)
					}
					if f.s.runtime {
						fl |= f.taskErrorFlags(c, callee)
					}
					if fl != 0 {
						out = append(out, &source{fn: f.SSA, instr: call, value: result(call, i), from: f.calleeName(c, callee),
							flags: fl})
					}
				}
			}
			if !callee.Resolved() {
				continue
			}
			args := callee.CallArgs(c)
			if k, p, ok := cancelmodel.Errback(callee.Func); ok && k < len(args) {
				// The errback, or each function it may be: a variable, a
				// field or a package variable the package stores it in.
				ebs, _ := f.funcValues(args[k], make(map[ssa.Value]bool))
				for _, eb := range ebs {
					p := p
					if eb.Local != nil && eb.Local.SSA.Signature.Recv() != nil {
						p++ // a method value: Params starts with the receiver
					}
					if eb.Local == nil || p >= len(eb.Local.SSA.Params) {
						continue
					}
					fl := Cancel | f.DeferredFlags(args[0])&(FirstError|Wrapped) // args[0]: the Deferred
					out = append(out, &source{fn: eb.Local.SSA, value: eb.Local.SSA.Params[p], flags: fl,
						errback: true, via: eb.Local, site: call.Pos()})
				}
			}
		}
	}
	return append(out, f.paramSources()...)
}

// listResultErr returns the error that instr reads from a deferred.Result
// (r.Err, results[i].Err), or nil.
func listResultErr(instr ssa.Instruction) ssa.Value {
	switch v := instr.(type) {
	case *ssa.Field:
		if cancelmodel.IsListResultErr(v.X.Type(), v.Field) && used(v) {
			return v
		}
	case *ssa.UnOp:
		if fa, ok := v.X.(*ssa.FieldAddr); ok && v.Op == mulOp && cancelmodel.IsListResultErr(fa.X.Type().(*types.Pointer).Elem(), fa.Field) && used(v) {
			return v
		}
	}
	return nil
}

// taskErrorFlags is the runtime's counterpart of the context model's
// calls given a context: a call given the async function's Task whose
// callee cannot be seen (an interface with no implementation in sight, a
// function value of unknown origin) may await, and fail with a
// cancellation, maybe wrapped. What an analysed callee does, its summary
// says.
func (f *Func) taskErrorFlags(c *ssa.CallCommon, callee Callee) Flags {
	if callee.Resolved() && (len(callee.Members) == 0 || callee.Closed) {
		return 0
	}
	for _, a := range c.Args {
		if cancelmodel.IsTaskType(a.Type()) {
			return Cancel | Wrapped
		}
	}
	return 0
}

// listResultKey identifies the r.Err that a read of it reads: the struct
// value or address and the field.
func listResultKey(v ssa.Value) [2]any {
	switch v := v.(type) {
	case *ssa.Field:
		return [2]any{v.X, v.Field}
	case *ssa.UnOp:
		fa := v.X.(*ssa.FieldAddr)
		return [2]any{fa.X, fa.Field}
	}
	return [2]any{v, 0}
}

// calleeName names what a call calls, for messages: the callee's name, or
// for a call through an interface, "Type.Method".
func (f *Func) calleeName(c *ssa.CallCommon, callee Callee) string {
	switch {
	case callee.Name != "":
		return callee.Name
	case c.IsInvoke():
		if n := named(c.Value.Type()); n != nil {
			return f.s.typeObjName(n.Obj()) + "." + c.Method.Name()
		}
		return c.Method.Name()
	}
	return "a function value"
}

// result returns the value of result i of a call, or nil if the call site
// discards it.
func result(call *ssa.Call, i int) ssa.Value {
	if call.Common().Signature().Results().Len() == 1 {
		if !used(call) {
			return nil
		}
		return call
	}
	for _, r := range *call.Referrers() {
		if e, ok := r.(*ssa.Extract); ok && e.Index == i && used(e) {
			return e
		}
	}
	return nil
}

// used reports whether a value has a use other than debugging information.
func used(v ssa.Value) bool {
	for _, r := range *v.Referrers() {
		if _, debug := r.(*ssa.DebugRef); !debug {
			return true
		}
	}
	return false
}

// How an instruction uses a tainted value.
type useKind uint8

const (
	useReads     useKind = iota + 1 // reads it and passes nothing on: a comparison, logging, errors.Is
	usePropagate                    // passes it on: returns it, wraps it with %w, hands it to unknown code
)

// A cut is where a new error is made from a possible cancellation whose
// chain no longer holds it: fmt.Errorf with %v (verb is the verb),
// errors.New(err.Error()) (verb is 0), a value of an error type without
// Unwrap or Is made around it (typ), or a call of a helper whose summary
// says it does one of those (helper).
type cut struct {
	at     ssa.Value  // the new error
	call   *ssa.Call  // at, when it is made by a call
	arg    int        // index of the argument (for fmt.Errorf, the format is 0)
	verb   rune       // the verb that formats the error, or 0 for its text
	typ    types.Type // the error type that holds it without Unwrap or Is
	pos    token.Pos  // where the holder of typ is made
	helper *ParamErr  // the helper's cut, for a call of a helper
	passed bool       // the new error is passed on: returned, handed to other code
}

// taint is the set of values a source flows into, within its function,
// and how the function's instructions use them.
type taint struct {
	src   *source
	f     *Func // resolves calls in src.fn
	flags map[ssa.Value]Flags
	uses  map[ssa.Instruction]useKind
	cuts  []cut
	texts map[ssa.Value]bool // strings made from the error: err.Error(), fmt.Sprint(err)
	// holders are the values that hold the error without being errors
	// themselves: a struct made around it, a slice it is appended to.
	holders map[ssa.Value]bool
	// roots maps each value that stems from a holder to the instructions
	// that put the error into the holders.
	roots map[ssa.Value][]ssa.Instruction
}

func (f *Func) taint(src *source) *taint {
	t := &taint{src: src, f: f, flags: make(map[ssa.Value]Flags), uses: make(map[ssa.Instruction]useKind),
		texts: make(map[ssa.Value]bool), holders: make(map[ssa.Value]bool), roots: make(map[ssa.Value][]ssa.Instruction)}
	if src.via != nil {
		t.f = src.via
	}
	if src.value == nil {
		return t
	}
	work := append([]ssa.Value{src.value}, src.also...)
	for _, v := range work {
		t.flags[v] = src.flags
	}
	// Putting the error into a holder passes it on when the holder, or an
	// error made from it, is passed on (see roots).
	roots := t.roots
	var current ssa.Value  // the value whose uses are being classified
	var at ssa.Instruction // the use being classified
	var passedOn []ssa.Instruction
	add := func(v ssa.Value, fl Flags) {
		for _, r := range roots[current] {
			if !slices.Contains(roots[v], r) {
				roots[v] = append(roots[v], r)
			}
		}
		if old, ok := t.flags[v]; !ok || old|fl != old {
			t.flags[v] = old | fl
			work = append(work, v)
		}
	}
	hold := func(v ssa.Value, fl Flags) {
		t.holders[v] = true
		if !t.holders[current] && !slices.Contains(roots[v], at) { // the error goes in here
			roots[v] = append(roots[v], at)
		}
		add(v, fl)
	}
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		fl := t.flags[v]
		refs := v.Referrers()
		if refs == nil {
			continue
		}
		current = v
		for _, r := range *refs {
			at = r
			var kind useKind
			if t.holders[v] {
				kind = t.classifyHolder(v, fl, r, add, hold)
			} else {
				kind = t.classify(v, fl, r, add, hold)
			}
			t.use(r, kind)
			if kind == usePropagate {
				passedOn = append(passedOn, roots[v]...)
			}
		}
	}
	for _, r := range passedOn {
		t.use(r, usePropagate)
	}
	t.findTextCuts()
	// A new error that also wraps the error (fmt.Errorf("%v: %w", err,
	// err)) cuts nothing.
	t.cuts = slices.DeleteFunc(t.cuts, func(c cut) bool { return c.at != nil && t.tainted(c.at) && !t.holders[c.at] })
	// A cut error that is passed on is an attempt to propagate: the path
	// ends there for swallowedcancel, and firsterror reports the cut.
	for i := range t.cuts {
		c := &t.cuts[i]
		sub := t.f.taint(&source{fn: src.fn, value: c.at, flags: Cancel, via: src.via})
		for instr, k := range sub.uses {
			if _, ret := instr.(*ssa.Return); c.typ != nil && !ret {
				// An error type made around the error is a cut when it is
				// returned: handed to a function or sent, it may be opened
				// again by its type (a panic carrier, a channel's envelope).
				continue
			}
			if k == usePropagate {
				c.passed = true
				if instr, ok := c.at.(ssa.Instruction); ok {
					t.use(instr, usePropagate)
				}
				if mi, ok := c.at.(*ssa.MakeInterface); ok {
					// Put into a holder that became the cut error: the
					// error went on there (cut, which is the cut's rule's).
					for _, r := range t.roots[mi.X] {
						t.use(r, usePropagate)
					}
				}
				break
			}
		}
	}
	return t
}

// findTextCuts finds errors made from the error's text:
// errors.New(err.Error()), fmt.Errorf("%s", fmt.Sprint(err)).
func (t *taint) findTextCuts() {
	t.followTexts()
	for text := range t.texts {
		for _, r := range *text.Referrers() {
			var call *ssa.Call
			k := -1
			switch r := r.(type) {
			case *ssa.Call:
				call = r
				k = slices.Index(r.Common().Args, text)
			case *ssa.MakeInterface:
				for _, rr := range *r.Referrers() {
					if st, ok := rr.(*ssa.Store); ok && st.Val == r {
						call, k, _ = variadicCall(st)
					}
				}
			}
			if call == nil || k < 0 {
				continue
			}
			switch cancelmodel.FuncName(t.f.Callee(call.Common()).Func) {
			case "errors.New", "fmt.Errorf":
				if !t.tainted(call) && !slices.ContainsFunc(t.cuts, func(c cut) bool { return c.at == call }) {
					t.cuts = append(t.cuts, cut{at: call, call: call, arg: k})
				}
			}
		}
	}
}

// use records the strongest use of an instruction.
func (t *taint) use(instr ssa.Instruction, k useKind) {
	if k > t.uses[instr] {
		t.uses[instr] = k
	}
}

// classify says how instruction r uses the tainted value v, adding the
// values that carry v on to the taint.
func (t *taint) classify(v ssa.Value, fl Flags, r ssa.Instruction, add, hold func(ssa.Value, Flags)) useKind {
	switch r := r.(type) {
	case *ssa.DebugRef:
		return 0
	case *ssa.Phi:
		add(r, fl)
		return useReads
	case *ssa.ChangeInterface:
		add(r, fl)
		return useReads
	case *ssa.MakeInterface:
		add(r, fl)
		return useReads
	case *ssa.ChangeType:
		add(r, fl)
		return useReads
	case *ssa.TypeAssert:
		if types.IsInterface(r.AssertedType) {
			if !r.CommaOk {
				add(r, fl)
			} else {
				for _, rr := range *r.Referrers() {
					if e, ok := rr.(*ssa.Extract); ok && e.Index == 0 {
						add(e, fl)
					}
				}
			}
		}
		return useReads
	case *ssa.BinOp:
		return useReads
	case *ssa.Store:
		if r.Val != v {
			return useReads
		}
		if alloc, ok := r.Addr.(*ssa.Alloc); ok && !captured(alloc) {
			for _, ar := range *alloc.Referrers() {
				if load, ok := ar.(*ssa.UnOp); ok && load.Op == mulOp && slices.Contains(reachingStores(load), v) {
					add(load, fl)
				}
			}
			return useReads
		}
		if call, k, ok := variadicCall(r); ok {
			kind := t.classifyCall(call, k, fl, add, hold)
			t.use(call, kind)
			return 0
		}
		if h := holderOf(r.Addr); h != nil {
			hold(h, fl) // &MyErr{Err: err}, []error{err}
			return useReads
		}
		return usePropagate
	case *ssa.MapUpdate:
		if mm, ok := r.Map.(*ssa.MakeMap); ok && r.Value == v {
			hold(mm, fl) // failed[i] = err: a map made here holds it
			return useReads
		}
		return usePropagate
	case *ssa.Call:
		c := r.Common()
		if c.IsInvoke() {
			if c.Value == v && c.Method.Name() == "Error" {
				t.texts[r] = true
				return useReads
			}
			if c.Value == v || !t.f.Callee(c).Closed {
				return usePropagate // a method of the error, or of code not seen
			}
		}
		for k, a := range c.Args {
			if a == v {
				if kind := t.classifyCall(r, k, fl, add, hold); kind == usePropagate {
					return usePropagate
				}
			}
		}
		return useReads
	}
	// Returns, sends, map updates, panics, closures binding it, go and
	// defer statements, and anything not modelled: passed on.
	return usePropagate
}

// classifyCall says how a call uses the tainted value it gets as argument
// k (counting the variadic ones separately, as Args does).
func (t *taint) classifyCall(call *ssa.Call, k int, fl Flags, add, hold func(ssa.Value, Flags)) useKind {
	c := call.Common()
	if b, ok := c.Value.(*ssa.Builtin); ok {
		switch b.Name() {
		case "print", "println", "len", "cap":
			return useReads
		case "append":
			hold(call, fl) // errs = append(errs, err)
			return useReads
		}
		return usePropagate
	}
	callee := t.f.Callee(c)
	if callee.Func == nil {
		if t.src.errback && !c.IsInvoke() && !hasErrorResultSig(c.Signature()) {
			// An errback's return decides what the chain holds: a
			// function value it hands the failure to and that returns no
			// error (a fallback's f(err)) cannot re-raise it there.
			return useReads
		}
		return usePropagate
	}
	if cancelmodel.WrapsFirst(callee.Func) {
		if k != 0 {
			return usePropagate // an argument of Wrapf's format: not followed
		}
		add(call, wrapped(fl))
		return useReads
	}
	if carries, formats := cancelmodel.Wraps(callee.Func); carries {
		if cancelmodel.IsUnwrapFirstError(callee.Func) {
			add(call, fl&^FirstError)
		} else {
			add(call, wrapped(fl))
		}
		return useReads
	} else if formats {
		switch verb := formatVerb(Args(c), k); verb {
		case 'w':
			add(call, wrapped(fl))
			return useReads
		case 0, '*':
			return usePropagate // a format we do not follow: assume it wraps
		default:
			t.cuts = append(t.cuts, cut{at: call, call: call, arg: k, verb: verb})
			return useReads
		}
	}
	if callee.Summary != nil && (!c.IsInvoke() || callee.Closed) {
		i := k - recvOffset(c, callee)
		if p, ok := paramErr(callee.Summary, i); ok {
			// A helper that wraps or returns the error, or cuts it.
			if p.Cut != "" {
				t.cuts = append(t.cuts, cut{at: resultValue(call, p.Result), call: call, arg: k, helper: &p})
				return useReads
			}
			if res := resultValue(call, p.Result); res != nil {
				if p.Wrapped {
					fl = wrapped(fl)
				}
				add(res, fl)
				return useReads
			}
		}
		if sig := callee.Signature(); i >= 0 && i < sig.Params().Len() && !(sig.Variadic() && i == sig.Params().Len()-1) &&
			slices.Contains(callee.Summary.ReadsParams, i) {
			return useReads
		}
	}
	if cancelmodel.OnlyReads(callee.Func) || cancelmodel.NoReturn(callee.Func) {
		if name := cancelmodel.FuncName(callee.Func); name == "fmt.Sprint" || name == "fmt.Sprintf" || name == "fmt.Sprintln" {
			t.texts[call] = true
		}
		return useReads
	}
	return usePropagate
}

// captured reports whether a local variable is used other than by loads
// and stores: shared with a function literal, or its address passed on,
// so that others may read (and pass on) its value.
func captured(alloc *ssa.Alloc) bool {
	for _, r := range *alloc.Referrers() {
		switch r := r.(type) {
		case *ssa.Store:
			if r.Addr != alloc {
				return true
			}
		case *ssa.UnOp:
			if r.Op != mulOp {
				return true
			}
		case *ssa.DebugRef:
		default:
			return true
		}
	}
	return false
}

// variadicCall recognises a store into the slice that a call site builds
// for variadic arguments, and returns the call and the argument's index
// as Args counts it.
func variadicCall(st *ssa.Store) (*ssa.Call, int, bool) {
	ia, ok := st.Addr.(*ssa.IndexAddr)
	if !ok {
		return nil, 0, false
	}
	alloc, ok := ia.X.(*ssa.Alloc)
	if !ok {
		return nil, 0, false
	}
	idx, ok := ia.Index.(*ssa.Const)
	if !ok {
		return nil, 0, false
	}
	for _, r := range *alloc.Referrers() {
		sl, ok := r.(*ssa.Slice)
		if !ok {
			continue
		}
		for _, sr := range *sl.Referrers() {
			call, ok := sr.(*ssa.Call)
			if !ok {
				continue
			}
			args := call.Common().Args
			if len(args) > 0 && args[len(args)-1] == sl && call.Common().Signature().Variadic() {
				i, _ := constant.Int64Val(idx.Value)
				return call, len(args) - 1 + int(i), true
			}
		}
	}
	return nil, 0, false
}

// tainted reports whether v carries the source.
func (t *taint) tainted(v ssa.Value) bool {
	_, ok := t.flags[v]
	return ok
}

// isNil reports whether v is the constant nil.
func isNil(v ssa.Value) bool {
	c, ok := v.(*ssa.Const)
	return ok && c.IsNil()
}

// nilValue reports whether v is nil on every path: the constant, a phi of
// nils, or a local variable only ever assigned nil.
func nilValue(v ssa.Value, seen map[ssa.Value]bool) bool {
	if seen[v] {
		return true
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Const:
		return v.IsNil()
	case *ssa.Phi:
		for _, e := range v.Edges {
			if !nilValue(e, seen) {
				return false
			}
		}
		return true
	case *ssa.UnOp:
		// A deferred function may still assign a captured variable; the
		// value returned here is what the function itself stored.
		if _, ok := v.X.(*ssa.Alloc); ok && v.Op == mulOp {
			for _, val := range reachingStores(v) {
				if !nilValue(val, seen) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// loadsErrCancelled reports whether v is the value of deferred.ErrCancelled.
func loadsErrCancelled(v ssa.Value) bool {
	load, ok := v.(*ssa.UnOp)
	if !ok || load.Op != mulOp {
		return false
	}
	g, ok := load.X.(*ssa.Global)
	if !ok {
		return false
	}
	obj, _ := g.Object().(*types.Var)
	return cancelmodel.IsErrCancelled(obj)
}

// errorText returns the tainted error whose Error() v is.
func (t *taint) errorText(v ssa.Value) bool {
	call, ok := v.(*ssa.Call)
	if !ok {
		return false
	}
	c := call.Common()
	return c.IsInvoke() && c.Method.Name() == "Error" && t.tainted(c.Value)
}

// constString returns the value of a string constant.
func constString(v ssa.Value) (string, bool) {
	c, ok := v.(*ssa.Const)
	if !ok || c.Value == nil || c.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(c.Value), true
}

// reachingStores returns the values that a load of a local variable may
// read: the last store before it in its block, else those at the end of
// each predecessor, recursively. Stores are the only writes to a variable
// that is not captured.
func reachingStores(load *ssa.UnOp) []ssa.Value {
	alloc, ok := load.X.(*ssa.Alloc)
	if !ok {
		return nil
	}
	b := load.Block()
	i := slices.Index(b.Instrs, ssa.Instruction(load))
	if v := lastStore(alloc, b.Instrs[:max(i, 0)]); v != nil {
		return []ssa.Value{v}
	}
	var out []ssa.Value
	seen := map[*ssa.BasicBlock]bool{b: true}
	work := slices.Clone(b.Preds)
	for len(work) > 0 {
		p := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[p] {
			continue
		}
		seen[p] = true
		if v := lastStore(alloc, p.Instrs); v != nil {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
			continue
		}
		work = append(work, p.Preds...)
	}
	return out
}

// lastStore returns the value of the last store to alloc among instrs.
func lastStore(alloc *ssa.Alloc, instrs []ssa.Instruction) ssa.Value {
	for i := len(instrs) - 1; i >= 0; i-- {
		if st, ok := instrs[i].(*ssa.Store); ok && st.Addr == alloc {
			return st.Val
		}
	}
	return nil
}
