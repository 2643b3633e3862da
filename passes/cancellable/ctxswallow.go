package cancellable

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"maps"
	"slices"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// detectCtxSwallow finds cancellations of a context that code swallows
// in the two ways that are wrong in real code (ctxswallow):
//
//   - a function that returns a result and an error returns a nil error
//     after it saw its own context end (<-ctx.Done() in a select or on its
//     own, ctx.Err() != nil, errors.Is(err, context.Canceled)), so that its
//     caller takes the cancelled operation for a completed one;
//   - a loop that goes round to the same call after a context error from
//     it, with nothing in the loop that ends it once the context is done:
//     every round fails at once, or sleeps its backoff, for a caller that
//     has gone.
//
// The idioms stay silent: a worker whose only result is an error (Run(ctx)
// error) returning nil on shutdown, best-effort work that logs an error and
// goes on, a loop over items (each round is a different call), a loop that
// checks its context, and a function whose context ends because it set a
// deadline, or cancelled it, itself.
func detectCtxSwallow(f *Func) {
	if !f.s.context || f.inTestFile() {
		return
	}
	f.reportedAsSuccess()
	for _, t := range f.flows() {
		if t.src.flags&CtxAny != 0 && !t.src.errback && t.src.instr != nil {
			f.retriedAfterCancel(t)
		}
	}
}

// An ending is a point where the function knows its context has ended.
type ending struct {
	block *ssa.BasicBlock
	index int       // the first instruction known to run after the end
	at    token.Pos // the test or receive that saw it
	what  string    // "<-ctx.Done()", "ctx.Err() != nil", "errors.Is(err, context.Canceled)"
	ctx   ssa.Value // the context, when the ending names one
	cond  *ssa.If   // the test, for a branch
	err   ssa.Value // the error the test found to be the context's
}

// reportedAsSuccess reports the returns of a nil error that follow an
// ending, in a function that returns a result besides its error.
func (f *Func) reportedAsSuccess() {
	results := f.SSA.Signature.Results()
	hasValue, hasError := false, false
	for i := 0; i < results.Len(); i++ {
		if cancelmodel.IsError(results.At(i).Type()) {
			hasError = true
		} else {
			hasValue = true
		}
	}
	if !hasValue || !hasError || f.decl == nil {
		// A function literal's results follow the protocol of whatever it
		// is given to (a backoff's "stop, no error"): not judged here.
		return
	}
	reported := make(map[*ssa.Return]bool)
	for _, e := range f.endings() {
		ret := f.nilReturnAfter(e)
		if ret == nil || reported[ret] {
			continue
		}
		reported[ret] = true
		pos := f.s.returnStmtPos(ret)
		msg := fmt.Sprintf("returns a nil error after %s: the caller takes the cancelled operation for a completed one; return %s", e.what, f.ctxErrText(e))
		why := fmt.Sprintf("the context ended at line %d; a cancelled operation whose result looks complete is cached, acted on, or answered 200", f.s.pass.Fset.Position(e.at).Line)
		f.Report(CtxSwallow, pos, Because(msg, why), fixes(f.returnCtxErrFix(ret, e))...)
	}
}

// ctxErrText is what the fix returns: ctx.Err() of the context that
// ended, or the error that said so.
func (f *Func) ctxErrText(e ending) string {
	if name := f.ctxName(e.ctx); name != "" {
		return name + ".Err()"
	}
	if e.ctx == nil {
		return "the error"
	}
	return "ctx.Err()"
}

// ctxName returns the name of a context parameter, when ctx is one, of
// this function or of one that encloses it: a name the fix may use at any
// return.
func (f *Func) ctxName(ctx ssa.Value) string {
	switch v := ctx.(type) {
	case *ssa.Parameter:
		if v.Parent() == f.SSA && v.Name() != "_" {
			return v.Name()
		}
	case *ssa.FreeVar:
		return "" // the captured name may be shadowed; no fix
	}
	return ""
}

// endings lists the points where the function sees its own context end.
func (f *Func) endings() []ending { return f.endingsOwnedBy(f) }

// endingsOwnedBy is endings for a function literal that owner defers: an
// error it finds to be a cancellation is owner's own when owner has a
// context in view.
func (f *Func) endingsOwnedBy(owner *Func) []ending {
	var out []ending
	deadline, cancels := f.limitsOwnContext()
	for _, b := range f.SSA.Blocks {
		for i, instr := range b.Instrs {
			switch instr := instr.(type) {
			case *ssa.UnOp:
				if instr.Op == token.ARROW {
					if ctx := f.doneOf(instr.X); ctx != nil && f.ownContext(ctx) {
						out = append(out, ending{block: b, index: i + 1, at: instr.Pos(), what: "<-ctx.Done()", ctx: ctx})
					}
				}
			case *ssa.Select:
				for k, st := range instr.States {
					if st.Dir != types.RecvOnly {
						continue
					}
					if ctx := f.doneOf(st.Chan); ctx != nil && f.ownContext(ctx) {
						if blk := selectCase(instr, k); blk != nil {
							out = append(out, ending{block: blk, at: st.Pos, what: "<-ctx.Done()", ctx: ctx})
						}
					}
				}
			case *ssa.If:
				if e, ok := f.endingTest(instr, owner, deadline, cancels); ok {
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// endingTest recognises a test that is true when the context has ended:
// ctx.Err() != nil, errors.Is(err, context.Canceled), err ==
// context.Canceled; it returns the branch that knows.
func (f *Func) endingTest(ifi *ssa.If, owner *Func, deadline, cancels bool) (ending, bool) {
	cond, branch := ifi.Cond, 0
	if u, ok := cond.(*ssa.UnOp); ok && u.Op == token.NOT {
		cond, branch = u.X, 1
	}
	sentinelOK := func(v ssa.Value) (string, bool) {
		name, ok := f.contextSentinel(v)
		switch {
		case !ok || name == "ctx.Err()":
			return "", false
		case name == "context.DeadlineExceeded" && deadline, name == "context.Canceled" && cancels:
			return "", false // the function's own deadline or cancel: an answer, not a cancellation
		}
		return name, true
	}
	mk := func(what string, ctx, err ssa.Value, br int) (ending, bool) {
		return ending{block: ifi.Block().Succs[br], at: ifi.Cond.Pos(), what: what, ctx: ctx, cond: ifi, err: err}, true
	}
	// An error found to be a cancellation is the function's own when it
	// has a context in view: a context parameter, or the error comes from
	// a call given one.
	own := func(err ssa.Value) bool {
		if ctx := f.errOf(err); ctx != nil {
			return f.ownContext(ctx)
		}
		return owner.hasContextParam() || f.ErrorFlags(err)&CtxAny != 0
	}
	switch c := cond.(type) {
	case *ssa.BinOp:
		if c.Op != token.EQL && c.Op != token.NEQ {
			break
		}
		x, y := c.X, c.Y
		if isNil(x) {
			x, y = y, x
		}
		eqBranch, neBranch := branch, 1-branch
		if c.Op == token.NEQ {
			eqBranch, neBranch = neBranch, eqBranch
		}
		if ctx := f.errOf(x); ctx != nil && isNil(y) && f.ownContext(ctx) {
			return mk("ctx.Err() != nil", ctx, nil, neBranch)
		}
		for _, pair := range [2][2]ssa.Value{{c.X, c.Y}, {c.Y, c.X}} {
			if name, ok := sentinelOK(pair[1]); ok && cancelmodel.IsError(pair[0].Type()) {
				if !own(pair[0]) {
					return ending{}, false
				}
				return mk("err == "+name, f.errOf(pair[0]), pair[0], eqBranch)
			}
		}
	case *ssa.Call:
		isErr := func(v ssa.Value) bool { return cancelmodel.IsError(v.Type()) }
		if _, callee, ok := f.helperTest(c, isErr, true); ok && !deadline && !cancels {
			for _, a := range callee.CallArgs(c.Common()) {
				if isErr(a) && own(a) {
					return mk(callee.Name+"(err)", f.errOf(a), a, branch)
				}
			}
			break
		}
		callee := f.Callee(c.Common())
		if !cancelmodel.IsErrorsIs(callee.Func) || len(c.Call.Args) != 2 {
			break
		}
		if name, ok := sentinelOK(c.Call.Args[1]); ok {
			if !own(c.Call.Args[0]) {
				return ending{}, false
			}
			return mk("errors.Is(err, "+name+")", f.errOf(c.Call.Args[0]), c.Call.Args[0], branch)
		}
	}
	return ending{}, false
}

// limitsOwnContext reports whether the function sets a deadline of its
// own (context.WithTimeout, WithDeadline), and whether it calls a cancel
// function of its own other than by defer: then DeadlineExceeded, or
// Canceled, may be its own doing, an answer rather than a cancellation.
func (f *Func) limitsOwnContext() (deadline, cancels bool) {
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok {
				continue
			}
			callee := f.Callee(call.Common())
			if cancelmodel.Deadline(callee.Func) {
				deadline = true
			}
			if cancelmodel.Cancels(callee.Func) {
				for _, r := range *call.Referrers() {
					if e, ok := r.(*ssa.Extract); ok && e.Index == 1 && cancelCalled(e) {
						cancels = true
					}
				}
			}
		}
	}
	return deadline, cancels
}

// cancelCalled reports whether a cancel function is called, or handed on,
// other than by defer.
func cancelCalled(cancel ssa.Value) bool {
	for _, r := range *cancel.Referrers() {
		switch r := r.(type) {
		case *ssa.Defer:
			if r.Call.Value == cancel {
				continue
			}
		case *ssa.DebugRef:
			continue
		}
		return true
	}
	return false
}

// doneOf returns the context whose Done channel ch is, or nil.
func (f *Func) doneOf(ch ssa.Value) ssa.Value {
	switch v := ch.(type) {
	case *ssa.Call:
		c := v.Common()
		if c.IsInvoke() {
			if c.Method.Name() == "Done" && cancelmodel.IsContextType(c.Value.Type()) {
				return c.Value
			}
			return nil
		}
		if cancelmodel.IsContextDone(f.Callee(c).Func) && len(c.Args) == 1 {
			return c.Args[0]
		}
	case *ssa.UnOp:
		if _, ok := v.X.(*ssa.Alloc); ok && v.Op == mulOp {
			for _, val := range reachingStores(v) {
				if ctx := f.doneOf(val); ctx != nil {
					return ctx
				}
			}
		}
	case *ssa.ChangeType:
		return f.doneOf(v.X)
	}
	return nil
}

// errOf returns the context whose Err() v is, or nil.
func (f *Func) errOf(v ssa.Value) ssa.Value {
	call, ok := v.(*ssa.Call)
	if !ok {
		if ci, ok := v.(*ssa.ChangeInterface); ok {
			return f.errOf(ci.X)
		}
		return nil
	}
	c := call.Common()
	if c.IsInvoke() {
		if c.Method.Name() == "Err" && cancelmodel.IsContextType(c.Value.Type()) {
			return c.Value
		}
		return nil
	}
	if cancelmodel.IsContextErr(f.Callee(c).Func) && len(c.Args) == 1 {
		return c.Args[0]
	}
	return nil
}

// ownContext reports whether ctx is a context that the caller cancels:
// cancellable, and not limited by this function itself (derived here with
// a deadline, or with a cancel function it calls).
func (f *Func) ownContext(ctx ssa.Value) bool {
	if !f.ctxCancellable(ctx) {
		return false
	}
	return !f.limitedHere(ctx, make(map[ssa.Value]bool))
}

func (f *Func) limitedHere(v ssa.Value, seen map[ssa.Value]bool) bool {
	if seen[v] {
		return false
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok && v.Index == 0 {
			callee := f.Callee(call.Common())
			if cancelmodel.Deadline(callee.Func) {
				return true
			}
			if cancelmodel.Cancels(callee.Func) {
				for _, r := range *call.Referrers() {
					if e, ok := r.(*ssa.Extract); ok && e.Index == 1 && cancelCalled(e) {
						return true
					}
				}
				if len(call.Call.Args) > 0 {
					return f.limitedHere(call.Call.Args[0], seen)
				}
			}
		}
	case *ssa.Call:
		if cancelmodel.KeepsCancellation(f.Callee(v.Common()).Func) && len(v.Call.Args) > 0 {
			return f.limitedHere(v.Call.Args[0], seen)
		}
	case *ssa.Phi:
		return slices.ContainsFunc(v.Edges, func(e ssa.Value) bool { return f.limitedHere(e, seen) })
	case *ssa.ChangeInterface:
		return f.limitedHere(v.X, seen)
	case *ssa.MakeInterface:
		return f.limitedHere(v.X, seen)
	case *ssa.UnOp:
		if _, ok := v.X.(*ssa.Alloc); ok && v.Op == mulOp {
			return slices.ContainsFunc(reachingStores(v), func(e ssa.Value) bool { return f.limitedHere(e, seen) })
		}
	}
	return false
}

// selectCase returns the block that a select's case k leads to: the true
// branch of the test of the select's index against k.
func selectCase(sel *ssa.Select, k int) *ssa.BasicBlock {
	var index ssa.Value
	for _, r := range *sel.Referrers() {
		if e, ok := r.(*ssa.Extract); ok && e.Index == 0 {
			index = e
		}
	}
	if index == nil {
		return nil
	}
	for _, r := range *index.Referrers() {
		cmp, ok := r.(*ssa.BinOp)
		if !ok || cmp.Op != token.EQL {
			continue
		}
		if c, ok := cmp.Y.(*ssa.Const); ok && c.Int64() == int64(k) {
			for _, rr := range *cmp.Referrers() {
				if ifi, ok := rr.(*ssa.If); ok {
					return ifi.Block().Succs[0]
				}
			}
		}
	}
	return nil
}

// nilReturnAfter returns the first return reachable from an ending whose
// error results are all nil, or nil. A path ends at a return of anything
// else, a panic, or a call that does not return.
func (f *Func) nilReturnAfter(e ending) *ssa.Return {
	type item struct {
		b, from *ssa.BasicBlock
		i       int
		known   map[ssa.Value]bool // errors known not to be nil on the path: the context's Err()
	}
	stack := []item{{e.block, nil, e.index, map[ssa.Value]bool{}}}
	seen := map[*ssa.BasicBlock]bool{e.block: true}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		known := it.known
		if it.from != nil {
			for _, instr := range it.b.Instrs {
				phi, ok := instr.(*ssa.Phi)
				if !ok {
					break
				}
				if k := slices.Index(it.b.Preds, it.from); k >= 0 && known[phi.Edges[k]] {
					known = maps.Clone(known)
					known[phi] = true
				}
			}
		}
		push := func(s *ssa.BasicBlock) {
			if !seen[s] {
				seen[s] = true
				stack = append(stack, item{s, it.b, 0, known})
			}
		}
	instrs:
		for _, instr := range it.b.Instrs[it.i:] {
			switch instr := instr.(type) {
			case *ssa.Return:
				if returnsNil(instr) && !slices.ContainsFunc(instr.Results, func(v ssa.Value) bool { return known[v] }) {
					return instr
				}
				break instrs
			case *ssa.Panic:
				break instrs
			case *ssa.Call:
				if callee := f.Callee(instr.Common()); callee.Func != nil && cancelmodel.NoReturn(callee.Func) {
					break instrs
				}
				if answersRequest(instr.Common()) {
					break instrs // the cancellation is answered here (a 499)
				}
				if ctx := f.errOf(instr); ctx != nil && e.ctx != nil {
					known = maps.Clone(known)
					known[instr] = true // the ended context's error: not nil
				}
			case *ssa.Store:
				if known[instr.Val] {
					if alloc, ok := instr.Addr.(*ssa.Alloc); ok {
						for _, r := range *alloc.Referrers() {
							if load, ok := r.(*ssa.UnOp); ok && load.Op == mulOp && slices.Contains(reachingStores(load), instr.Val) {
								known = maps.Clone(known)
								known[load] = true
							}
						}
					}
				}
			case *ssa.If:
				if f.testsContextEnd(instr.Cond) {
					// switch ctx.Err() { case context.Canceled: … }: the
					// code tells the ending's kinds apart; each branch
					// that returns nil is an ending of its own.
					break instrs
				}
				for k, s := range it.b.Succs {
					if f.feasible(instr, k, e) && knownFeasible(instr, k, known) {
						push(s)
					}
				}
			case *ssa.Jump:
				push(it.b.Succs[0])
			}
		}
	}
	return nil
}

// knownFeasible reports whether branch k of an If may be taken when the
// errors in known are not nil.
func knownFeasible(ifi *ssa.If, k int, known map[ssa.Value]bool) bool {
	b, ok := ifi.Cond.(*ssa.BinOp)
	if !ok || b.Op != token.EQL && b.Op != token.NEQ {
		return true
	}
	x, y := b.X, b.Y
	if isNil(x) {
		x, y = y, x
	}
	if !isNil(y) || !known[x] {
		return true
	}
	eqBranch := 0
	if b.Op == token.NEQ {
		eqBranch = 1
	}
	return k != eqBranch // x is not nil: x == nil is false
}

// feasible reports whether branch k of an If may be taken once the ending
// is known: an error found to be a context sentinel is not nil, and is no
// other sentinel.
func (f *Func) feasible(ifi *ssa.If, k int, e ending) bool {
	if e.err == nil {
		return true
	}
	cond, eqBranch := ifi.Cond, 0
	b, ok := cond.(*ssa.BinOp)
	if !ok || b.Op != token.EQL && b.Op != token.NEQ {
		return true
	}
	if b.Op == token.NEQ {
		eqBranch = 1
	}
	x, y := b.X, b.Y
	if !sameValue(x, e.err) {
		x, y = y, x
	}
	if !sameValue(x, e.err) {
		return true
	}
	if _, isSentinel := f.contextSentinel(y); isSentinel {
		return true
	}
	if _, isConst := y.(*ssa.Const); isConst || isGlobalLoad(y) {
		return k != eqBranch // nil, io.EOF, another sentinel: not equal
	}
	return true
}

// testsContextEnd reports whether a condition looks at a context's Err():
// ctx.Err() != nil, ctx.Err() == context.Canceled.
func (f *Func) testsContextEnd(cond ssa.Value) bool {
	if u, ok := cond.(*ssa.UnOp); ok && u.Op == token.NOT {
		cond = u.X
	}
	b, ok := cond.(*ssa.BinOp)
	return ok && (b.Op == token.EQL || b.Op == token.NEQ) && (f.errOf(b.X) != nil || f.errOf(b.Y) != nil)
}

// sameValue reports whether a and b are the same value, seen through
// interface conversions.
func sameValue(a, b ssa.Value) bool {
	for {
		ci, ok := a.(*ssa.ChangeInterface)
		if !ok {
			break
		}
		a = ci.X
	}
	for {
		ci, ok := b.(*ssa.ChangeInterface)
		if !ok {
			break
		}
		b = ci.X
	}
	return a == b
}

// isGlobalLoad reports whether v is the value of a package variable.
func isGlobalLoad(v ssa.Value) bool {
	u, ok := v.(*ssa.UnOp)
	if !ok || u.Op != mulOp {
		return false
	}
	_, ok = u.X.(*ssa.Global)
	return ok
}

// answersRequest reports whether a call writes an HTTP response's status
// (http.ResponseWriter's WriteHeader, http.Error): code that answers a
// cancelled request itself has told the client.
func answersRequest(c *ssa.CallCommon) bool {
	if c.IsInvoke() {
		if n := named(c.Value.Type()); n != nil && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "net/http" &&
			n.Obj().Name() == "ResponseWriter" && c.Method.Name() == "WriteHeader" {
			return true
		}
		return false
	}
	if fn, ok := c.Value.(*ssa.Function); ok {
		obj, _ := fn.Object().(*types.Func)
		return cancelmodel.FuncName(obj) == "net/http.Error"
	}
	return false
}

// returnsNilError reports whether some return of the function returns a
// nil error.
func (f *Func) returnsNilError() bool {
	for _, b := range f.SSA.Blocks {
		if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && hasErrorResult(f.SSA) && returnsNil(ret) {
			return true
		}
	}
	return false
}

// hasContextParam reports whether the function has a context among its
// parameters, or captures one.
func (f *Func) hasContextParam() bool {
	for _, p := range f.SSA.Params {
		if cancelmodel.IsContextType(p.Type()) {
			return true
		}
	}
	for _, fv := range f.SSA.FreeVars {
		t := fv.Type()
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		if cancelmodel.IsContextType(t) {
			return true
		}
	}
	return false
}

// returnStmtPos returns where the return statement of ret begins.
func (s *state) returnStmtPos(ret *ssa.Return) token.Pos {
	for _, n := range s.pathTo(ret.Pos()) {
		if rs, ok := n.(*ast.ReturnStmt); ok {
			return rs.Pos()
		}
	}
	return ret.Pos()
}

// returnCtxErrFix replaces the nil error of a return with ctx.Err(), when
// the return lists its results and the context is a parameter in scope.
func (f *Func) returnCtxErrFix(ret *ssa.Return, e ending) *analysis.SuggestedFix {
	name := f.ctxName(e.ctx)
	if name == "" {
		return nil
	}
	var rs *ast.ReturnStmt
	for _, n := range f.s.pathTo(ret.Pos()) {
		if r, ok := n.(*ast.ReturnStmt); ok {
			rs = r
			break
		}
	}
	results := f.SSA.Signature.Results()
	if rs == nil || len(rs.Results) != results.Len() {
		return nil
	}
	if obj, _ := f.s.scopeLookup(rs.Pos(), name); obj == nil || obj.Pos() != e.ctx.Pos() {
		return nil // shadowed, or not the parameter
	}
	var edits []analysis.TextEdit
	for i, r := range rs.Results {
		if id, ok := ast.Unparen(r).(*ast.Ident); ok && id.Name == "nil" && cancelmodel.IsError(results.At(i).Type()) {
			edits = append(edits, analysis.TextEdit{Pos: id.Pos(), End: id.End(), NewText: []byte(name + ".Err()")})
		}
	}
	if len(edits) == 0 {
		return nil
	}
	return &analysis.SuggestedFix{Message: "Return " + name + ".Err()", TextEdits: edits}
}

// scopeLookup returns the object that name denotes at pos.
func (s *state) scopeLookup(pos token.Pos, name string) (types.Object, bool) {
	file := s.fileOf(pos)
	if file == nil {
		return nil, false
	}
	scope := s.pass.TypesInfo.Scopes[file]
	if scope == nil {
		return nil, false
	}
	inner := scope.Innermost(pos)
	if inner == nil {
		return nil, false
	}
	_, obj := inner.LookupParent(name, pos)
	return obj, obj != nil
}

// retriedAfterCancel reports a loop that goes round to the source's call
// again after it failed, with nothing on the way that ends the loop once
// the context is done.
func (f *Func) retriedAfterCancel(t *taint) {
	call, ok := t.src.instr.(*ssa.Call)
	if !ok || !f.inLoop(call) {
		return
	}
	// A loop over items goes on to the next item, not to the same call:
	// best effort, unless the function then returns a nil error with its
	// result, which is the cancelled operation's part passed off as the
	// whole.
	if f.freshDeadlineEachRound(call) {
		return // each round has a deadline of its own: its end is the round's answer
	}
	perItem := f.perItem(call)
	if perItem && (!(f.hasValueResult() && f.returnsNilError()) || f.loopChecksContext(call, t)) {
		return
	}
	type item struct {
		b    *ssa.BasicBlock
		i    int
		mode pathMode
		h    *ssa.If
	}
	start := call.Block()
	i0 := slices.Index(start.Instrs, ssa.Instruction(call)) + 1
	stack := []item{{start, i0, modeMaybe, nil}}
	visited := make(map[[2]int]bool)
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	instrs:
		for _, instr := range it.b.Instrs[it.i:] {
			if instr == ssa.Instruction(call) {
				if perItem {
					break instrs // the next item: what counts is how the loop ends
				}
				if it.mode != modeMaybe || t.src.value == nil {
					f.reportRetry(t, call, it.h, false)
					return
				}
				break instrs
			}
			if t.uses[instr] == usePropagate || f.checksContext(instr, t) || f.waitsForStop(instr, call) {
				break instrs
			}
			switch instr := instr.(type) {
			case *ssa.Return:
				// A loop over items ends, with no look at the context on
				// the way, in a return of its result and a nil error.
				if perItem && it.mode != modeMaybe && returnsNil(instr) {
					f.reportRetry(t, call, it.h, true)
					return
				}
				break instrs
			case *ssa.Panic:
				break instrs
			case *ssa.Call:
				if callee := f.Callee(instr.Common()); callee.Func != nil && cancelmodel.NoReturn(callee.Func) {
					break instrs
				}
			case *ssa.If:
				yes, no := t.refine(instr, pathState{mode: it.mode})
				for k, st := range []*pathState{yes, no} {
					if st == nil {
						continue
					}
					h := it.h
					if h == nil && st.mode != it.mode {
						h = instr
					}
					s := instr.Block().Succs[k]
					key := [2]int{s.Index, int(st.mode)}
					if !visited[key] {
						visited[key] = true
						stack = append(stack, item{s, 0, st.mode, h})
					}
				}
				break instrs
			case *ssa.Jump:
				s := instr.Block().Succs[0]
				key := [2]int{s.Index, int(it.mode)}
				if !visited[key] {
					visited[key] = true
					stack = append(stack, item{s, 0, it.mode, it.h})
				}
				break instrs
			}
		}
	}
}

func (f *Func) reportRetry(t *taint, call *ssa.Call, h *ssa.If, perItem bool) {
	pos := f.s.callStart(call.Pos())
	if h != nil {
		if node := f.s.handlerNode(h.Cond.Pos()); node != nil {
			pos = node.Pos()
		}
	}
	msg := fmt.Sprintf("the loop calls %s again after it failed, and nothing in it ends the loop once the context is done; return when ctx.Err() != nil", t.src.from)
	why := "after a cancellation every round fails at once, or sleeps its backoff, for a caller that has gone" + f.fromWhere(t.src.value)
	if perItem {
		msg = fmt.Sprintf("the loop goes on to the next item after %s failed, and the function returns a nil error with what it got: a cancelled operation's part looks like the whole; return when ctx.Err() != nil", t.src.from)
		why = "after a cancellation every item left fails at once and is skipped" + f.fromWhere(t.src.value)
	}
	if t.src.hypothetical {
		f.reportParam(t.src, CtxAny, CtxSwallow, pos, Because(msg, why))
		return
	}
	f.Report(CtxSwallow, pos, Because(msg, why))
}

// inLoop reports whether an instruction's block is on a cycle of the
// function's control flow.
func (f *Func) inLoop(instr ssa.Instruction) bool {
	b := instr.Block()
	seen := make(map[*ssa.BasicBlock]bool)
	work := slices.Clone(b.Succs)
	for len(work) > 0 {
		s := work[len(work)-1]
		work = work[:len(work)-1]
		if s == b {
			return true
		}
		if seen[s] {
			continue
		}
		seen[s] = true
		work = append(work, s.Succs...)
	}
	return false
}

// loopChecksContext reports whether the loop that holds call looks at the
// context every round (a select on Done, a test of ctx.Err()): a loop
// over items that does stops at the first round after a cancellation,
// and what is left is at most the last item's failure.
func (f *Func) loopChecksContext(call *ssa.Call, t *taint) bool {
	for _, b := range f.SSA.Blocks {
		if !f.sameLoop(b, call.Block()) {
			continue
		}
		for _, instr := range b.Instrs {
			if f.checksContext(instr, t) {
				return true
			}
		}
	}
	return false
}

// perItem reports whether a call in a loop works on a different item each
// round: one of its arguments comes from the loop's iteration (an element
// of what it ranges over, a value received or read each round), so the
// next round is not a retry.
func (f *Func) perItem(call *ssa.Call) bool {
	for _, a := range Args(&call.Call) {
		if f.loopVariant(a, call.Block(), make(map[ssa.Value]bool)) {
			return true
		}
	}
	// The method's receiver, or the function value called: for _, act :=
	// range actions { act(…) } calls another function each round.
	if f.loopVariant(call.Call.Value, call.Block(), make(map[ssa.Value]bool)) {
		return true
	}
	// A call made only for some items: for _, v := range defaults { if
	// v.Name == name { check(…) } }.
	for b := call.Block(); b.Idom() != nil; b = b.Idom() {
		d := b.Idom()
		if !f.sameLoop(d, call.Block()) {
			break
		}
		ifi, ok := d.Instrs[len(d.Instrs)-1].(*ssa.If)
		if !ok || !f.sameLoop(d.Succs[0], d) || !f.sameLoop(d.Succs[1], d) {
			continue // the loop's own exit test
		}
		if b != d.Succs[0] && b != d.Succs[1] || len(b.Preds) != 1 {
			continue // the call comes after both branches meet again
		}
		if !fromSelect(ifi.Cond) && f.loopVariant(ifi.Cond, call.Block(), make(map[ssa.Value]bool)) {
			return true
		}
	}
	return false
}

// fromSelect reports whether a condition tests which case of a select
// fired: an event or a tick, not an item (a worker woken by a ticker that
// calls again after a failure still retries).
func fromSelect(cond ssa.Value) bool {
	if b, ok := cond.(*ssa.BinOp); ok {
		if e, ok := b.X.(*ssa.Extract); ok {
			_, sel := e.Tuple.(*ssa.Select)
			return sel
		}
	}
	return false
}

// freshDeadlineEachRound reports whether every context a call in a loop
// is given gets a deadline of its own in the same round (ctx, cancel :=
// context.WithTimeout(parent, d) inside the loop): a round that ends at
// its deadline has its answer, and the next round is a new attempt.
func (f *Func) freshDeadlineEachRound(call *ssa.Call) bool {
	n := 0
	for _, a := range Args(&call.Call) {
		if !cancelmodel.IsContextType(a.Type()) {
			continue
		}
		e, ok := a.(*ssa.Extract)
		if !ok || e.Index != 0 {
			return false
		}
		mk, ok := e.Tuple.(*ssa.Call)
		if !ok || !cancelmodel.Deadline(f.Callee(mk.Common()).Func) || !f.sameLoop(mk.Block(), call.Block()) {
			return false
		}
		n++
	}
	return n > 0
}

// loopVariant reports whether v is computed from a value that changes with
// each round of the loop that holds block b: a phi of a block on the loop,
// an element loaded there, a range's next element.
func (f *Func) loopVariant(v ssa.Value, b *ssa.BasicBlock, seen map[ssa.Value]bool) bool {
	if seen[v] {
		return false
	}
	seen[v] = true
	instr, ok := v.(ssa.Instruction)
	if !ok || instr.Block() == nil || !f.sameLoop(instr.Block(), b) {
		return false
	}
	switch v := v.(type) {
	case *ssa.Phi:
		return true
	case *ssa.Next, *ssa.Lookup, *ssa.Select:
		return true // a range's next element, a value received each round
	case *ssa.Alloc:
		// A variable of the round (&item, &Addr{IP: ip}): what is stored
		// into it, or into its fields and elements.
		for _, r := range *v.Referrers() {
			var addr ssa.Value = v
			switch r := r.(type) {
			case *ssa.FieldAddr:
				addr = r
			case *ssa.IndexAddr:
				addr = r
			}
			for _, rr := range *addr.Referrers() {
				if st, ok := rr.(*ssa.Store); ok && st.Addr == addr && f.loopVariant(st.Val, b, seen) {
					return true
				}
			}
		}
		return false
	case *ssa.Extract:
		return f.loopVariant(v.Tuple, b, seen)
	case *ssa.UnOp:
		if v.Op == token.ARROW {
			return true // received each round
		}
	case *ssa.Call:
		if v.Call.IsInvoke() && f.loopVariant(v.Call.Value, b, seen) {
			return true
		}
		// A call given the context (rows.Next, stream.Recv) reads a new
		// item each round; one that only binds it into what it makes
		// (http.NewRequestWithContext, a setter that keeps it in its
		// receiver: req.SetContext(ctx), a builder that hands its
		// receiver back) makes the same thing each round unless its
		// other operands change.
		if callee := f.Callee(v.Common()); !cancelmodel.BindsContext(callee.Func) && !callee.Summary.builds() && f.givenContext(v.Common(), callee) {
			return true
		}
	}
	var ops []*ssa.Value
	for _, op := range instr.Operands(ops) {
		if *op != nil && f.loopVariant(*op, b, seen) {
			return true
		}
	}
	return false
}

// sameLoop reports whether block a is on a cycle through block b.
func (f *Func) sameLoop(a, b *ssa.BasicBlock) bool {
	if a == b {
		return true
	}
	return reachesBlock(a, b) && reachesBlock(b, a)
}

func reachesBlock(from, to *ssa.BasicBlock) bool {
	seen := make(map[*ssa.BasicBlock]bool)
	work := []*ssa.BasicBlock{from}
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if x == to {
			return true
		}
		if seen[x] {
			continue
		}
		seen[x] = true
		work = append(work, x.Succs...)
	}
	return false
}

// waitsForStop reports whether instr is a select that blocks until a case
// fires and has one that receives from a channel of the worker's own, not
// a context's Done nor a timer's, and leaves the loop that holds call
// (case <-db.stopc: return): a worker with a shutdown signal of its own,
// which its owner closes when it ends the worker's context (prometheus's
// DB.run, woken by events, compacting under a context cancelled together
// with stopc). The analysis cannot tie the channel to the context and
// takes the worker's word for it; a loop bounded only by a timer
// (case <-deadline: return) still retries after a cancellation until the
// timer fires.
func (f *Func) waitsForStop(instr ssa.Instruction, call *ssa.Call) bool {
	sel, ok := instr.(*ssa.Select)
	if !ok || !sel.Blocking {
		return false
	}
	for k, st := range sel.States {
		if st.Dir != types.RecvOnly || f.doneOf(st.Chan) != nil || timerChan(st.Chan) {
			continue
		}
		if b := selectCase(sel, k); b != nil && !f.sameLoop(b, call.Block()) {
			return true
		}
	}
	return false
}

// timerChan reports whether ch is a timer's channel: time.After's or
// time.Tick's result, or the C of a time.Timer or time.Ticker.
func timerChan(ch ssa.Value) bool {
	switch ch := ch.(type) {
	case *ssa.Call:
		if fn, ok := ch.Call.Value.(*ssa.Function); ok && fn.Pkg != nil && fn.Pkg.Pkg.Path() == "time" {
			return fn.Name() == "After" || fn.Name() == "Tick"
		}
	case *ssa.UnOp:
		if fa, ok := ch.X.(*ssa.FieldAddr); ok && ch.Op == token.MUL {
			if named, ok := types.Unalias(deref(fa.X.Type())).(*types.Named); ok {
				obj := named.Obj()
				return obj.Pkg() != nil && obj.Pkg().Path() == "time" && (obj.Name() == "Timer" || obj.Name() == "Ticker")
			}
		}
	}
	return false
}

// checksContext reports whether an instruction on a loop's path looks at
// the context, so that the loop ends once it is done: ctx.Err(), a select
// or receive on ctx.Done(), a test against a context sentinel, or a test
// of the result of another call given the context (a sleep that returns
// ctx.Err(), rows.Next).
func (f *Func) checksContext(instr ssa.Instruction, t *taint) bool {
	switch instr := instr.(type) {
	case *ssa.Select:
		for _, st := range instr.States {
			if st.Dir == types.RecvOnly && f.doneOf(st.Chan) != nil {
				return true
			}
		}
	case *ssa.UnOp:
		return instr.Op == token.ARROW && f.doneOf(instr.X) != nil
	case *ssa.If:
		return f.condChecksContext(instr.Cond, t, make(map[ssa.Value]bool))
	}
	return false
}

func (f *Func) condChecksContext(v ssa.Value, t *taint, seen map[ssa.Value]bool) bool {
	if seen[v] {
		return false
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.BinOp:
		if _, ok := f.contextSentinel(v.X); ok {
			return true
		}
		if _, ok := f.contextSentinel(v.Y); ok {
			return true
		}
		return f.condChecksContext(v.X, t, seen) || f.condChecksContext(v.Y, t, seen)
	case *ssa.UnOp:
		return f.condChecksContext(v.X, t, seen)
	case *ssa.Extract:
		return f.condChecksContext(v.Tuple, t, seen)
	case *ssa.Phi:
		return slices.ContainsFunc(v.Edges, func(e ssa.Value) bool { return f.condChecksContext(e, t, seen) })
	case *ssa.Call:
		if v == t.src.instr {
			return false
		}
		c := v.Common()
		if f.errOf(v) != nil {
			return true
		}
		callee := f.Callee(c)
		if cancelmodel.IsErrorsIs(callee.Func) && len(c.Args) == 2 {
			if _, ok := f.contextSentinel(c.Args[1]); ok {
				return true
			}
		}
		if _, _, ok := f.helperTest(v, func(ssa.Value) bool { return true }, true); ok {
			return true // isCanceled(err)
		}
		if !cancelmodel.BindsContext(callee.Func) && f.givenContext(c, callee) {
			return true // its error may be the context's (NewRequestWithContext's cannot)
		}
	}
	return false
}
