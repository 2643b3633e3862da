package cancellable

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// detectFirstError finds cancellation tests that a wrapper defeats, and
// wrapping that cuts a cancellation out of an error's chain (firsterror).
func detectFirstError(f *Func) {
	seen := make(map[token.Pos]bool)
	report := func(t *taint, pos token.Pos, reason string, fix *analysis.SuggestedFix) {
		if seen[pos] {
			return
		}
		seen[pos] = true
		var fixes []analysis.SuggestedFix
		if fix != nil {
			fixes = append(fixes, *fix)
		}
		f.reportSource(t.src, FirstErrorRule, pos, reason, fixes...)
	}
	for _, t := range f.flows() {
		if t.src.flags&Cancel == 0 || t.src.hypothetical {
			continue // a context error (ctxerrcompare's and ctxerrwrap's), or a parameter's
		}
		for _, b := range t.src.fn.Blocks {
			for _, instr := range b.Instrs {
				switch instr := instr.(type) {
				case *ssa.BinOp:
					f.checkComparison(t, instr, report)
				case *ssa.Call:
					if pt, callee, ok := t.f.helperTest(instr, t.tainted, false); ok && !pt.Correct {
						report(t, t.f.s.callStart(instr.Pos()), Because(
							fmt.Sprintf("%s tests for a cancellation with %s (at %s), which a wrapper defeats; make it use errors.Is(err, deferred.ErrCancelled)",
								callee.Name, pt.What, shortPos(pt.Pos)),
							"a cancellation is a *CancelledError, maybe inside a wrapper (*FirstError, %w), so the helper says no and the cancellation is handled like any other failure"), nil)
					}
				case *ssa.TypeAssert:
					if t.tainted(instr.X) && t.flags[instr.X]&(FirstError|Wrapped) != 0 &&
						cancelmodel.IsCancelledErrorType(instr.AssertedType) {
						pos, fix := f.assertSite(instr)
						report(t, pos, Because("a type assertion to *deferred.CancelledError misses a cancellation "+
							"inside a wrapper; unwrap it first with deferred.UnwrapFirstError, or use errors.As",
							assertWhy(t.flags[instr.X])), fix)
					}
				}
			}
		}
		for _, c := range t.cuts {
			if !c.passed {
				continue
			}
			pos, fix := f.cutSite(c)
			report(t, pos, cutReason(t.f, c, "deferred.ErrCancelled"), fix)
		}
	}
}

// checkComparison reports err == deferred.ErrCancelled (never true for a
// cancellation) and err.Error() compared with a cancellation message.
func (f *Func) checkComparison(t *taint, b *ssa.BinOp, report func(*taint, token.Pos, string, *analysis.SuggestedFix)) {
	if b.Op != eqlOp && b.Op != neqOp {
		return
	}
	x, y := b.X, b.Y
	if !t.tainted(x) && !t.errorText(x) {
		x, y = y, x
	}
	switch {
	case t.tainted(x) && loadsErrCancelled(y):
		inside := ""
		if t.flags[x]&FirstError != 0 {
			inside = ", here maybe inside a *FirstError from Gather,"
		}
		report(t, b.Pos(), Because(fmt.Sprintf("%s deferred.ErrCancelled is never true for a cancellation; use errors.Is(err, deferred.ErrCancelled)", b.Op),
			"a cancellation is a *CancelledError"+inside+" which only errors.Is matches, so the cancellation is handled like any other failure"),
			f.errorsIsFix(b))
	case t.errorText(x):
		if s, ok := cancelMessage(y); ok {
			report(t, b.Pos(), Because(fmt.Sprintf("comparing err.Error() %s %q misses wrapped cancellations; use errors.Is(err, deferred.ErrCancelled)", b.Op, s),
				"a cancellation that carries a reason or sits inside a wrapper (%w, *FirstError) has another message, so it is handled like any other failure"), nil)
		}
	}
}

// cancelMessage reports whether v is a message of a cancellation: a string
// constant about one, or deferred.ErrCancelled.Error().
func cancelMessage(v ssa.Value) (string, bool) {
	if s, ok := constString(v); ok && cancelmodel.CancelText(s) {
		return s, true
	}
	if call, ok := v.(*ssa.Call); ok && call.Call.IsInvoke() && call.Call.Method.Name() == "Error" && loadsErrCancelled(call.Call.Value) {
		return "deferred.ErrCancelled.Error()", true
	}
	return "", false
}

// assertWhy says why a type assertion misses the cancellation in an
// error with flags fl.
func assertWhy(fl Flags) string {
	if fl&FirstError != 0 {
		return "this error may be a *FirstError from Gather, so the cancellation inside it is handled like any other failure"
	}
	return "this error may hold the cancellation inside a wrapper (%w, errors.Join, an error type with Unwrap), so it is handled like any other failure"
}

// cutReason explains a cut of an error that may be sentinel.
func cutReason(f *Func, c cut, sentinel string) string {
	fix := "use %w"
	switch {
	case c.helper != nil:
		fix = "make it wrap the error with %w (at " + shortPos(c.helper.CutPos) + ")"
	case c.typ != nil:
		fix = "give the type an Unwrap method that returns what it holds (Unwrap() error, or Unwrap() []error), or use errors.Join"
	case c.verb == 0:
		fix = "return err itself, or wrap it with fmt.Errorf(\"...: %w\", err)"
	}
	what := "a possible cancellation"
	if strings.HasPrefix(sentinel, "context.") {
		what = "a possible context error"
	}
	return Because(c.what(f)+" makes a new error that no longer holds "+what+"; "+fix,
		"callers' errors.Is(err, "+sentinel+") fails and they handle it like any other failure")
}

// cutSite returns where a cut is (the call) and, for a %v or %s verb in a
// literal format, the fix that turns it into %w.
func (f *Func) cutSite(c cut) (token.Pos, *analysis.SuggestedFix) {
	if c.call == nil || c.helper != nil {
		return c.site(f), nil
	}
	call := f.s.callExprAt(c.call.Pos())
	if call == nil {
		return c.call.Pos(), nil
	}
	if c.verb != 'v' && c.verb != 's' || len(call.Args) == 0 {
		return call.Pos(), nil
	}
	lit, ok := ast.Unparen(call.Args[0]).(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return call.Pos(), nil
	}
	// The verb's offset in the literal as written must be the offset in
	// its value, plus the opening quote: no escapes before it.
	value, err := strconv.Unquote(lit.Value)
	if err != nil {
		return call.Pos(), nil
	}
	verbs, ok := parseVerbs(value)
	raw, okRaw := parseVerbs(lit.Value[1 : len(lit.Value)-1])
	if !ok || !okRaw || len(verbs) != len(raw) || c.arg-1 >= len(verbs) ||
		verbs[c.arg-1].offset != raw[c.arg-1].offset {
		return call.Pos(), nil
	}
	at := lit.Pos() + 1 + token.Pos(raw[c.arg-1].offset)
	return call.Pos(), &analysis.SuggestedFix{
		Message:   fmt.Sprintf("Wrap the error with %%w instead of %%%c", c.verb),
		TextEdits: []analysis.TextEdit{{Pos: at, End: at + 1, NewText: []byte("w")}},
	}
}

// assertSite returns where a type assertion (or type switch) on an error
// is, and the fix that unwraps a FirstError first.
func (f *Func) assertSite(ta *ssa.TypeAssert) (token.Pos, *analysis.SuggestedFix) {
	var x ast.Expr
	pos := ta.Pos()
search:
	for _, n := range f.s.pathTo(pos) {
		switch n := n.(type) {
		case *ast.TypeAssertExpr:
			x, pos = n.X, n.Pos()
			break search
		case *ast.TypeSwitchStmt: // reported at the case, fixed at the switch
			var e ast.Expr
			switch a := n.Assign.(type) {
			case *ast.AssignStmt:
				e = a.Rhs[0]
			case *ast.ExprStmt:
				e = a.X
			}
			if ta, ok := ast.Unparen(e).(*ast.TypeAssertExpr); ok {
				x = ta.X
			}
			break search
		case *ast.FuncLit:
			break search
		}
	}
	if x == nil {
		return pos, nil
	}
	file := f.s.fileOf(x.Pos())
	names, imports, ok := f.s.importNames(file, x.Pos(), cancelmodel.DeferredPath)
	if !ok {
		return pos, nil
	}
	edits := append(imports,
		analysis.TextEdit{Pos: x.Pos(), End: x.Pos(), NewText: []byte(names[0] + ".UnwrapFirstError(")},
		analysis.TextEdit{Pos: x.End(), End: x.End(), NewText: []byte(")")})
	return pos, &analysis.SuggestedFix{Message: "Unwrap the FirstError before the type assertion", TextEdits: edits}
}

// errorsIsFix turns err == deferred.ErrCancelled into
// errors.Is(err, deferred.ErrCancelled), and != into !errors.Is; the same
// for the context sentinels and ctx.Err().
func (f *Func) errorsIsFix(b *ssa.BinOp) *analysis.SuggestedFix {
	be := f.s.binaryExprAt(b.Pos())
	if be == nil {
		return nil
	}
	file := f.s.fileOf(be.Pos())
	names, imports, ok := f.s.importNames(file, be.Pos(), "errors")
	if !ok {
		return nil
	}
	x, y := f.s.source(be.X), f.s.source(be.Y)
	if x == "" || y == "" {
		return nil
	}
	if f.isSentinelExpr(be.X) {
		x, y = y, x
	}
	text := fmt.Sprintf("%s.Is(%s, %s)", names[0], x, y)
	if be.Op == token.NEQ {
		text = "!" + text
	}
	edits := append(imports, analysis.TextEdit{Pos: be.Pos(), End: be.End(), NewText: []byte(text)})
	return &analysis.SuggestedFix{Message: "Use errors.Is", TextEdits: edits}
}

// binaryExprAt returns the comparison whose operator is at pos, or nil
// (a switch case compares without one).
func (s *state) binaryExprAt(pos token.Pos) *ast.BinaryExpr {
	for _, n := range s.pathTo(pos) {
		if e, ok := n.(*ast.BinaryExpr); ok && e.OpPos == pos {
			return e
		}
	}
	return nil
}

// isSentinelExpr reports whether e denotes deferred.ErrCancelled, a
// context sentinel, or a context's Err().
func (f *Func) isSentinelExpr(e ast.Expr) bool {
	if call, ok := ast.Unparen(e).(*ast.CallExpr); ok {
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Err" || len(call.Args) != 0 {
			return false
		}
		t := f.s.pass.TypesInfo.TypeOf(sel.X)
		return t != nil && cancelmodel.IsContextType(t)
	}
	var id *ast.Ident
	switch e := ast.Unparen(e).(type) {
	case *ast.SelectorExpr:
		id = e.Sel
	case *ast.Ident:
		id = e
	}
	if id == nil {
		return false
	}
	v, _ := f.s.pass.TypesInfo.Uses[id].(*types.Var)
	return cancelmodel.IsErrCancelled(v) || cancelmodel.IsContextSentinel(v)
}
