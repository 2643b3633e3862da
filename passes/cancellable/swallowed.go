package cancellable

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strconv"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// detectSwallowedCancel finds errors that may be cancellations and are
// dropped on a path that then goes on normally (swallowedcancel).
func detectSwallowedCancel(f *Func) {
	for _, t := range f.flows() {
		if t.src.flags&Cancel == 0 {
			continue // a context error: ctxswallow's
		}
		sw := t.walk()
		if sw == nil {
			continue
		}
		pos, fix := f.swallowSite(t, sw)
		reason := swallowReason(t, sw)
		var fixes []analysis.SuggestedFix
		if fix != nil {
			fixes = append(fixes, *fix)
		}
		if t.src.hypothetical {
			f.reportParam(t.src, Cancel, SwallowedCancel, pos, reason)
			continue
		}
		f.reportSource(t.src, SwallowedCancel, pos, reason, fixes...)
	}
}

// flows returns the taint of each of the function's sources, computed
// once per summary computation.
func (f *Func) flows() []*taint {
	if f.taints == nil {
		f.taints = []*taint{}
		for _, src := range f.sources() {
			f.taints = append(f.taints, f.taint(src))
		}
	}
	return f.taints
}

// reportSource reports a problem found while following a source: in this
// function's code, or in the errback it adds (then the call path goes
// through the errback).
func (f *Func) reportSource(src *source, rule string, pos token.Pos, reason string, fixes ...analysis.SuggestedFix) {
	n := len(f.latent)
	f.Report(rule, pos, reason, fixes...)
	if src.errback && len(f.latent) > n {
		l := &f.latent[n]
		l.Path[0].Call = f.s.pass.Fset.Position(f.s.callStart(src.site)).String()
		l.Path = append(l.Path, Step{Pkg: f.s.pass.Pkg.Path(), Func: src.via.Name()})
	}
}

// swallowSite returns where to report a swallow: the test that took the
// error in (an if or case), else the statement that produced the error,
// else (an errback with no test) the return that recovers; and the fix
// that re-raises cancellations there, when the edit is safe.
func (f *Func) swallowSite(t *taint, sw *swallow) (token.Pos, *analysis.SuggestedFix) {
	if h := sw.state.handler; h != nil {
		if node := f.s.handlerNode(h.Cond.Pos()); node != nil {
			return node.Pos(), f.reraiseInBranch(t, sw, node)
		}
		if h.Cond.Pos().IsValid() {
			return h.Cond.Pos(), nil
		}
	}
	if t.src.instr != nil {
		if stmt := f.s.statementAt(t.src.instr.Pos()); stmt != nil {
			return stmt.Pos(), nil
		}
		return t.src.instr.Pos(), nil
	}
	if fix := f.reraiseAtStart(t); fix != nil {
		return sw.at.Pos(), fix
	}
	if sw.at.Pos().IsValid() {
		return sw.at.Pos(), nil
	}
	return t.src.fn.Pos(), nil
}

// swallowReason says what is wrong, what happens on cancellation, and the
// fix, in one line.
func swallowReason(t *taint, sw *swallow) string {
	what := "the error from " + t.src.from
	if t.src.errback {
		what = "the failure passed to this errback"
	}
	var msg string
	switch {
	case t.src.value == nil && t.src.instr != nil:
		msg = what + " is discarded, and it may be a cancellation"
	case sw.state.mode == modeCancel:
		msg = what + " is a cancellation here, and it is dropped"
	default:
		msg = what + " may be a cancellation, and it is dropped"
	}
	var how string
	switch sw.event {
	case eventReturn:
		ret := sw.at.(*ssa.Return)
		switch {
		case t.src.errback:
			how = "the errback returns a nil error, which recovers the chain"
		case !hasErrorResult(t.src.fn):
			how = "the function returns normally"
		case returnsNil(ret):
			how = "the function returns a nil error"
		default:
			how = "the function returns as if it had succeeded (its error result is not the cancellation)"
		}
	case eventRetry:
		how = "the loop goes round and waits again"
	case eventGoesOn:
		how = "the function goes on to wait again"
	}
	return Because(msg+"; re-raise it first: if errors.Is(err, deferred.ErrCancelled) { return …, err }",
		how+", so cancelled work carries on as if nothing had happened")
}

// returnsNil reports whether every error result of a return is nil.
func returnsNil(ret *ssa.Return) bool {
	results := ret.Parent().Signature.Results()
	for i, v := range ret.Results {
		if i < results.Len() && cancelmodel.IsError(results.At(i).Type()) && !nilValue(v, make(map[ssa.Value]bool)) {
			return false
		}
	}
	return true
}

func hasErrorResult(fn *ssa.Function) bool {
	return hasErrorResultSig(fn.Signature)
}

// hasErrorResultSig reports whether a signature has an error result.
func hasErrorResultSig(sig *types.Signature) bool {
	results := sig.Results()
	for i := 0; i < results.Len(); i++ {
		if cancelmodel.IsError(results.At(i).Type()) {
			return true
		}
	}
	return false
}

// reraiseInBranch is the fix for a handler: insert the re-raise at the top
// of the branch that took the error in.
func (f *Func) reraiseInBranch(t *taint, sw *swallow, node ast.Node) *analysis.SuggestedFix {
	ifs, ok := node.(*ast.IfStmt)
	h := sw.state.handler
	if !ok || sw.state.branch < 0 || sw.state.branch >= len(h.Block().Succs) {
		return nil
	}
	var body *ast.BlockStmt
	switch h.Block().Succs[sw.state.branch].Comment {
	case "if.then":
		body = ifs.Body
	case "if.else":
		body, _ = ifs.Else.(*ast.BlockStmt)
	}
	if body == nil || !f.condIsWhole(ifs, h) {
		return nil
	}
	name := f.errIdent(t, ast.Unparen(ifs.Cond))
	if name == "" {
		return nil
	}
	return f.reraiseFix(t.src.fn, body, name)
}

// condIsWhole reports whether the If instruction tests the whole condition
// of the if statement (not one operand of && or ||).
func (f *Func) condIsWhole(ifs *ast.IfStmt, h *ssa.If) bool {
	cond := ast.Unparen(ifs.Cond)
	for {
		u, ok := cond.(*ast.UnaryExpr)
		if !ok || u.Op != token.NOT {
			break
		}
		cond = ast.Unparen(u.X)
	}
	pos := h.Cond.Pos()
	switch cond := cond.(type) {
	case *ast.BinaryExpr:
		return cond.OpPos == pos && (cond.Op == token.EQL || cond.Op == token.NEQ)
	case *ast.CallExpr:
		return cond.Lparen == pos
	}
	return false
}

// errIdent returns the name of the error variable a condition tests.
func (f *Func) errIdent(t *taint, cond ast.Expr) string {
	for {
		u, ok := cond.(*ast.UnaryExpr)
		if !ok {
			break
		}
		cond = ast.Unparen(u.X)
	}
	var candidates []ast.Expr
	switch cond := cond.(type) {
	case *ast.BinaryExpr:
		candidates = []ast.Expr{cond.X, cond.Y}
	case *ast.CallExpr:
		if len(cond.Args) > 0 {
			candidates = cond.Args[:1]
		}
	}
	for _, e := range candidates {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok || id.Name == "nil" || id.Name == "_" {
			continue
		}
		if obj := f.s.pass.TypesInfo.Uses[id]; obj != nil && cancelmodel.IsError(obj.Type()) {
			return id.Name
		}
	}
	return ""
}

// reraiseAtStart is the fix for an errback with no test: insert the
// re-raise at the top of its body. A failure parameter without a name
// (func(error), func(_ error)) gets one in the same fix.
func (f *Func) reraiseAtStart(t *taint) *analysis.SuggestedFix {
	param, ok := t.src.value.(*ssa.Parameter)
	if !ok {
		return nil
	}
	var ftype *ast.FuncType
	var body *ast.BlockStmt
	switch syn := t.src.fn.Syntax().(type) {
	case *ast.FuncLit:
		ftype, body = syn.Type, syn.Body
	case *ast.FuncDecl:
		ftype, body = syn.Type, syn.Body
	}
	if body == nil {
		return nil
	}
	i := slices.Index(t.src.fn.Params, param)
	if t.src.fn.Signature.Recv() != nil {
		i--
	}
	name, naming, ok := f.s.nameParam(ftype, i)
	if !ok {
		return nil
	}
	fix := f.reraiseFix(t.src.fn, body, name)
	if fix != nil {
		fix.TextEdits = append(naming, fix.TextEdits...)
	}
	return fix
}

// nameParam returns the source name of parameter i (receiver excluded) of
// a function, and when it has none (it is unnamed, or _), a fresh name and
// the edits that give it that name: every other unnamed parameter becomes
// _, since Go does not mix named and unnamed parameters. The fresh name
// hides nothing: no enclosing scope, nor the function's own, declares it.
func (s *state) nameParam(ftype *ast.FuncType, i int) (string, []analysis.TextEdit, bool) {
	if ftype == nil || ftype.Params == nil || i < 0 {
		return "", nil, false
	}
	var field *ast.Field
	var ident *ast.Ident
	n := 0
	for _, fd := range ftype.Params.List {
		if len(fd.Names) == 0 {
			if n == i {
				field = fd
			}
			n++
			continue
		}
		for _, id := range fd.Names {
			if n == i {
				ident = id
			}
			n++
		}
	}
	if ident != nil && ident.Name != "_" {
		return ident.Name, nil, true
	}
	if ident == nil && field == nil {
		return "", nil, false
	}
	scope := s.pass.TypesInfo.Scopes[ftype]
	if scope == nil {
		return "", nil, false
	}
	name := "err"
	for k := 1; ; k++ {
		if _, obj := scope.LookupParent(name, token.NoPos); obj == nil {
			break
		}
		name = "err" + strconv.Itoa(k)
	}
	if ident != nil {
		return name, []analysis.TextEdit{{Pos: ident.Pos(), End: ident.End(), NewText: []byte(name)}}, true
	}
	var edits []analysis.TextEdit
	for _, fd := range ftype.Params.List {
		text := "_ "
		if fd == field {
			text = name + " "
		}
		edits = append(edits, analysis.TextEdit{Pos: fd.Type.Pos(), End: fd.Type.Pos(), NewText: []byte(text)})
	}
	return name, edits, true
}
