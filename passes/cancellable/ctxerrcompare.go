package cancellable

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// detectCtxErrCompare finds context errors recognised in a way that
// wrapping defeats (ctxerrcompare): an error compared with == or != (or a
// switch case) with context.Canceled, context.DeadlineExceeded or a
// context's Err(), when the error may hold the context's error inside a
// wrapper; and an error's message compared with, or searched for, the
// text of a context error.
func detectCtxErrCompare(f *Func) {
	if !f.s.context || f.inTestFile() {
		return
	}
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			switch instr := instr.(type) {
			case *ssa.BinOp:
				if !f.checkCtxTextCompare(instr) {
					f.checkCtxComparison(instr)
				}
			case *ssa.Call:
				f.checkCtxTextSearch(instr)
				f.checkCtxHelperCall(instr)
			}
		}
	}
}

// checkCtxComparison reports err == context.Canceled (and the like) when
// err may be a wrapped context error.
func (f *Func) checkCtxComparison(b *ssa.BinOp) {
	if b.Op != eqlOp && b.Op != neqOp {
		return
	}
	for _, pair := range [2][2]ssa.Value{{b.X, b.Y}, {b.Y, b.X}} {
		x, y := pair[0], pair[1]
		sentinel, ok := f.contextSentinel(y)
		if !ok || !cancelmodel.IsError(x.Type()) && !types.IsInterface(x.Type()) {
			continue
		}
		if _, both := f.contextSentinel(x); both || f.isTarget(x) {
			return
		}
		what := f.s.operandText(b.Pos(), f.isSentinelExpr)
		if p := f.errParam(x); p >= 0 {
			// A helper's test of its parameter: judged at each call, by
			// what the caller hands it (ContextErr(ctx.Err()) is exact).
			f.Summary.Tests = append(f.Summary.Tests, ParamTest{Param: p, Context: true,
				What: fmt.Sprintf("%s %s %s", what, b.Op, sentinel), Pos: f.s.pass.Fset.Position(b.Pos()).String()})
			return
		}
		if !f.mayHoldWrappedCtx(x, make(map[ssa.Value]bool)) || f.contextTestedToo(b) {
			return
		}
		kind := "context error"
		switch sentinel {
		case "context.Canceled":
			kind = "cancellation"
		case "context.DeadlineExceeded":
			kind = "deadline"
		}
		reason := Because(fmt.Sprintf("%s %s %s misses a wrapped %s; use %serrors.Is(%s, %s)", what, b.Op, sentinel, kind, notIf(b.Op == neqOp), what, sentinel),
			fmt.Sprintf("%s may hold the context's error inside a wrapper (%%w, errors.Join, an *url.Error), so a cancelled operation is taken for another failure%s", what, f.fromWhere(x)))
		f.Report(CtxErrCompare, b.Pos(), reason, fixes(f.errorsIsFix(b))...)
		return
	}
}

// errParam returns the index (receiver excluded) of the error parameter
// that v is, through phis and conversions, or -1.
func (f *Func) errParam(v ssa.Value) int {
	for {
		ci, ok := v.(*ssa.ChangeInterface)
		if !ok {
			break
		}
		v = ci.X
	}
	if f.decl == nil {
		return -1 // a literal's parameters are its callers' business only in this package
	}
	return f.param(v)
}

// checkCtxHelperCall reports a call that hands an error that may be
// wrapped to a helper that tests it with == against a context sentinel.
func (f *Func) checkCtxHelperCall(call *ssa.Call) {
	c := call.Common()
	callee := f.Callee(c)
	if callee.Summary == nil {
		return
	}
	args := callee.CallArgs(c)
	if callee.Recv {
		args = args[1:]
	}
	for _, pt := range callee.Summary.Tests {
		if !pt.Context || pt.Correct || pt.What == "" || pt.Param >= len(args) {
			continue
		}
		arg := args[pt.Param]
		if p := f.errParam(arg); p >= 0 {
			f.Summary.Tests = append(f.Summary.Tests, ParamTest{Param: p, Context: true,
				What: fmt.Sprintf("%s (through %s)", pt.What, callee.Name), Pos: pt.Pos})
			continue
		}
		if !f.mayHoldWrappedCtx(arg, make(map[ssa.Value]bool)) {
			continue
		}
		site := f.s.pass.Fset.Position(f.s.callStart(call.Pos()))
		why := fmt.Sprintf("%s is handed errors that may hold the context's error inside a wrapper (%%w, errors.Join, an *url.Error), as at %s:%d, so a cancelled operation is taken for another failure%s",
			callee.Name, filepath.Base(site.Filename), site.Line, f.fromWhere(arg))
		if pos := f.s.posOf(pt.Pos); pos.IsValid() {
			// The helper is in this package: one finding, at its test,
			// whichever of its callers hands it a wrapped error first.
			f.Report(CtxErrCompare, pos, Because(fmt.Sprintf("%s misses a wrapped context error; use errors.Is", pt.What), why))
			return
		}
		if f.s.helperReported[pt.Pos] {
			return // one finding per helper of another package, at its first call
		}
		f.s.helperReported[pt.Pos] = true
		f.Report(CtxErrCompare, f.s.callStart(call.Pos()), Because(
			fmt.Sprintf("%s tests the error with %s (at %s), which misses a wrapped context error; make it use errors.Is", callee.Name, pt.What, shortPos(pt.Pos)), why))
		return
	}
}

// isTarget reports whether v is the target of an error type's Is method,
// func (e T) Is(target error) bool: errors.Is hands each sentinel there as
// it is, so == is how Is is written.
func (f *Func) isTarget(v ssa.Value) bool {
	for {
		ci, ok := v.(*ssa.ChangeInterface)
		if !ok {
			break
		}
		v = ci.X
	}
	p, ok := v.(*ssa.Parameter)
	sig := f.SSA.Signature
	return ok && f.SSA.Name() == "Is" && sig.Recv() != nil && sig.Params().Len() == 1 && p == f.SSA.Params[1] &&
		sig.Results().Len() == 1 && types.Identical(sig.Results().At(0).Type(), types.Typ[types.Bool])
}

// notIf returns "!" when cond holds.
func notIf(cond bool) string {
	if cond {
		return "!"
	}
	return ""
}

// fixes makes a list of at most one fix.
func fixes(fix *analysis.SuggestedFix) []analysis.SuggestedFix {
	if fix == nil {
		return nil
	}
	return []analysis.SuggestedFix{*fix}
}

// contextSentinel reports whether v is context.Canceled,
// context.DeadlineExceeded, or a context's Err(), and names it.
func (f *Func) contextSentinel(v ssa.Value) (string, bool) {
	switch v := v.(type) {
	case *ssa.UnOp:
		if g, ok := v.X.(*ssa.Global); ok && v.Op == mulOp {
			if obj, _ := g.Object().(*types.Var); cancelmodel.IsContextSentinel(obj) {
				return "context." + obj.Name(), true
			}
		}
	case *ssa.Call:
		if c := v.Common(); c.IsInvoke() && c.Method.Name() == "Err" && cancelmodel.IsContextType(c.Value.Type()) {
			return "ctx.Err()", true
		} else if cancelmodel.IsContextErr(f.Callee(c).Func) {
			return "ctx.Err()", true
		}
	case *ssa.ChangeInterface:
		return f.contextSentinel(v.X)
	case *ssa.MakeInterface:
		return f.contextSentinel(v.X)
	}
	return "", false
}

// mayHoldWrappedCtx reports whether an error value may hold a context
// error inside a wrapper, so that == with the sentinel misses it: it may
// come from a call given a cancellable context, from a wrapper of a
// context error, or from somewhere the analysis does not see into (a
// parameter, a field, a channel). Values that are the context's own Err(),
// the sentinels, nil, and errors of calls that are not given a context
// (or whose summaries say their context errors are not wrapped) do not.
func (f *Func) mayHoldWrappedCtx(v ssa.Value, seen map[ssa.Value]bool) bool {
	if v == nil || seen[v] {
		return false
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Const:
		return false
	case *ssa.Phi:
		for _, e := range v.Edges {
			if f.mayHoldWrappedCtx(e, seen) {
				return true
			}
		}
		return false
	case *ssa.MakeInterface:
		return false // a concrete error made here: not a context's
	case *ssa.ChangeInterface:
		return f.mayHoldWrappedCtx(v.X, seen)
	case *ssa.ChangeType:
		return f.mayHoldWrappedCtx(v.X, seen)
	case *ssa.UnOp:
		switch x := v.X.(type) {
		case *ssa.Global:
			return false // a sentinel of its own
		case *ssa.Alloc:
			if v.Op == mulOp && !captured(x) {
				for _, val := range reachingStores(v) {
					if f.mayHoldWrappedCtx(val, seen) {
						return true
					}
				}
				return false
			}
		case *ssa.FreeVar:
			// A variable of the enclosing function (a named result that a
			// deferred closure reads): what that function stores in it.
			if alloc, parent := f.boundAlloc(x); alloc != nil {
				for _, val := range allocStores(alloc) {
					if parent.mayHoldWrappedCtx(val, seen) {
						return true
					}
				}
				return false
			}
		}
		return true // a received, captured or loaded error: not seen into
	case *ssa.Call:
		return f.callMayHoldWrappedCtx(v, 0)
	case *ssa.Extract:
		if call, ok := v.Tuple.(*ssa.Call); ok {
			return f.callMayHoldWrappedCtx(call, v.Index)
		}
		return true
	}
	return true // parameters, free variables, fields, elements
}

// callMayHoldWrappedCtx is mayHoldWrappedCtx for result i of a call. What
// the call returns may be wrapped unless the call is known: a context's
// Err(), or a callee whose summary says it returns no context error, or
// only as the context made it. A call into code that is modelled or not
// resolved may return anything, and the comparison says its author
// expects a context error there.
func (f *Func) callMayHoldWrappedCtx(call *ssa.Call, i int) bool {
	fl := f.callErrorFlags(call, i, make(map[ssa.Value]bool))
	if fl&Wrapped != 0 {
		return true
	}
	if fl&CtxAny != 0 {
		return false // a context's own error, or a callee that returns it so
	}
	c := call.Common()
	if c.IsInvoke() {
		return true
	}
	callee := f.Callee(c)
	if carries, formats := cancelmodel.Wraps(callee.Func); carries || formats || cancelmodel.WrapsFirst(callee.Func) {
		return false // wraps nothing that may be a context error
	}
	return !f.s.analysed(callee)
}

// boundAlloc returns the local variable of the enclosing function that a
// function literal's free variable is bound to, and that function, when
// every closure of the literal binds the same variable.
func (f *Func) boundAlloc(fv *ssa.FreeVar) (*ssa.Alloc, *Func) {
	i := slices.Index(f.SSA.FreeVars, fv)
	parent := f.SSA.Parent()
	if i < 0 || parent == nil || f.s.byFunc[parent] == nil {
		return nil, nil
	}
	var alloc *ssa.Alloc
	for _, b := range parent.Blocks {
		for _, instr := range b.Instrs {
			mc, ok := instr.(*ssa.MakeClosure)
			if !ok || mc.Fn != f.SSA || i >= len(mc.Bindings) {
				continue
			}
			a, ok := mc.Bindings[i].(*ssa.Alloc)
			if !ok || alloc != nil && a != alloc {
				return nil, nil
			}
			alloc = a
		}
	}
	return alloc, f.s.byFunc[parent]
}

// checkCtxTextSearch reports strings.Contains(err.Error(), "context
// canceled") and the like: a context error's message is found in a
// wrapper's too, but also in the message of an error that merely mentions
// it, and never in a cause that says something else.
func (f *Func) checkCtxTextSearch(call *ssa.Call) {
	callee := f.Callee(call.Common())
	if !isStringTest(callee.Func) || len(call.Call.Args) < 2 {
		return
	}
	text, ok := constString(call.Call.Args[1])
	if !ok || !cancelmodel.ContextText(text) || !f.errorMessage(call.Call.Args[0]) {
		return
	}
	f.Report(CtxErrCompare, f.s.callStart(call.Pos()), Because(
		fmt.Sprintf("%s(err.Error(), %q) tells a context error by its message; use errors.Is(err, %s)", cancelmodel.FuncName(callee.Func), text, sentinelFor(text)),
		textWhy))
}

// textWhy says why a context error's message is no test for it.
const textWhy = "a cause or a wrapper changes the message, and errors that only mention it match too: a cancelled operation is taken for another failure, or another failure for a cancellation"

// checkCtxTextCompare is checkCtxTextSearch for err.Error() == "...".
// Only == and != test the message: "context canceled: " + err.Error()
// builds one (dskit's cancellationError.Error).
func (f *Func) checkCtxTextCompare(b *ssa.BinOp) bool {
	if b.Op != eqlOp && b.Op != neqOp {
		return false
	}
	for _, pair := range [2][2]ssa.Value{{b.X, b.Y}, {b.Y, b.X}} {
		if s, ok := constString(pair[1]); ok && cancelmodel.ContextText(s) && f.errorMessage(pair[0]) {
			f.Report(CtxErrCompare, b.Pos(), Because(
				fmt.Sprintf("err.Error() %s %q tells a context error by its message; use %serrors.Is(err, %s)", b.Op, s, notIf(b.Op == neqOp), sentinelFor(s)),
				textWhy))
			return true
		}
	}
	return false
}

// sentinelFor names the sentinel a context error's message stands for.
func sentinelFor(text string) string {
	if strings.Contains(strings.ToLower(text), "deadline") {
		return "context.DeadlineExceeded"
	}
	return "context.Canceled"
}

// errorMessage reports whether a string is an error's message: err.Error(),
// fmt.Sprint(err), or one of those through strings.ToLower and the like.
func (f *Func) errorMessage(v ssa.Value) bool {
	call, ok := v.(*ssa.Call)
	if !ok {
		return false
	}
	c := call.Common()
	if c.IsInvoke() {
		return c.Method.Name() == "Error" && len(c.Args) == 0
	}
	callee := f.Callee(c)
	if callee.Func == nil {
		return false
	}
	switch name := cancelmodel.FuncName(callee.Func); name {
	case "strings.ToLower", "strings.ToUpper", "strings.TrimSpace":
		return len(c.Args) == 1 && f.errorMessage(c.Args[0])
	case "fmt.Sprint", "fmt.Sprintf", "fmt.Sprintln":
		for _, a := range Args(c) {
			if mi, ok := a.(*ssa.MakeInterface); ok && types.Implements(mi.X.Type(), errorInterface) {
				return true
			}
		}
		return false
	}
	sig := callee.Func.Type().(*types.Signature)
	return callee.Func.Name() == "Error" && sig.Recv() != nil && sig.Params().Len() == 0
}

var errorInterface = types.Universe.Lookup("error").Type().Underlying().(*types.Interface)

// inTestFile reports whether the function is declared in a _test.go file.
// The context rules leave tests alone: a test that compares with == asserts
// an exact value, and a test's cut or dropped error harms no caller.
func (f *Func) inTestFile() bool {
	return strings.HasSuffix(f.s.pass.Fset.Position(f.SSA.Pos()).Filename, "_test.go")
}

// operandText returns the source text of the operand of the comparison
// at pos that is not a sentinel, when it is short, else "err".
func (s *state) operandText(pos token.Pos, sentinel func(ast.Expr) bool) string {
	be := s.binaryExprAt(pos)
	if be == nil {
		return "err"
	}
	e := be.X
	if sentinel(e) {
		e = be.Y
	}
	if text := s.source(e); text != "" && len(text) <= 30 && !strings.ContainsAny(text, "\n") {
		return text
	}
	return "err"
}

// contextTestedToo reports whether the code that compares an error with a
// sentinel also asks the context itself: the same condition tests
// ctx.Err() (err == context.Canceled || ctx.Err() == context.Canceled),
// or the comparison is reached only past a test of ctx.Err() (if
// ctx.Err() != nil { return }) or in a select's case <-ctx.Done(). The context's own cancellation is told
// apart either way; what the comparison misses is at most a wrapped
// error of another context.
func (f *Func) contextTestedToo(b *ssa.BinOp) bool {
	var self, top ast.Expr
	for _, n := range f.s.pathTo(b.Pos()) {
		e, ok := n.(ast.Expr)
		if !ok {
			break
		}
		if self == nil {
			self, top = e, e // the comparison itself: its own operands do not count
			continue
		}
		if bin, ok := e.(*ast.BinaryExpr); ok && (bin.Op == token.LOR || bin.Op == token.LAND) {
			top = e
			continue
		}
		if _, ok := e.(*ast.ParenExpr); !ok {
			break
		}
	}
	found := false
	if top != nil {
		ast.Inspect(top, func(n ast.Node) bool {
			if n == self {
				return false
			}
			if call, ok := n.(*ast.CallExpr); ok && f.isCtxErrCall(call) {
				found = true
			}
			return !found
		})
	}
	if found {
		return true
	}
	for blk := b.Block(); blk.Idom() != nil; blk = blk.Idom() {
		ifi, ok := blk.Idom().Instrs[len(blk.Idom().Instrs)-1].(*ssa.If)
		if ok && f.testsCtxErr(ifi.Cond) {
			return true
		}
	}
	return false
}

// isCtxErrCall reports whether call is X.Err() on a context.
func (f *Func) isCtxErrCall(call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Err" || len(call.Args) != 0 {
		return false
	}
	t := f.s.pass.TypesInfo.TypeOf(sel.X)
	return t != nil && cancelmodel.IsContextType(t)
}

// testsCtxErr reports whether a condition compares a context's Err() (with
// nil or a sentinel), hands it to errors.Is, or is the case of a select
// that receives from its Done().
func (f *Func) testsCtxErr(cond ssa.Value) bool {
	switch v := cond.(type) {
	case *ssa.BinOp:
		for _, o := range []ssa.Value{v.X, v.Y} {
			if call, ok := o.(*ssa.Call); ok && f.errOf(call) != nil {
				return true
			}
		}
		// The case of a select that receives from ctx.Done(): the
		// context has ended there.
		if e, ok := v.X.(*ssa.Extract); ok && e.Index == 0 && v.Op == eqlOp {
			sel, isSel := e.Tuple.(*ssa.Select)
			k, isConst := v.Y.(*ssa.Const)
			if isSel && isConst {
				if i := int(k.Int64()); i >= 0 && i < len(sel.States) &&
					sel.States[i].Dir == types.RecvOnly && f.doneOf(sel.States[i].Chan) != nil {
					return true
				}
			}
		}
	case *ssa.UnOp:
		return f.testsCtxErr(v.X)
	case *ssa.Call:
		c := v.Common()
		if cancelmodel.IsErrorsIs(f.Callee(c).Func) && len(c.Args) == 2 {
			if call, ok := c.Args[0].(*ssa.Call); ok && f.errOf(call) != nil {
				return true
			}
		}
	}
	return false
}
