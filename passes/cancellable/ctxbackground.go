package cancellable

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

func init() {
	detectors = append(detectors, (*Func).ctxParams, detectCtxBackground)
}

// A spawn is a place where a function starts work in the background.
type spawn struct {
	instr  ssa.Instruction // the *ssa.Go, or the *ssa.Call that hands the work over
	work   ssa.Value       // the function started (nil for go through an interface)
	args   []ssa.Value     // go: the arguments the work is called with, receiver excluded
	callee Callee          // go: the function started
	group  ssa.Value       // whose Wait waits for the work (errgroup, a pool)
	timer  bool            // time.AfterFunc: the result's Stop keeps the work from running
	// timerKept: handing the timer on (storing, returning it) is no wait:
	// whoever gets it may stop the work, but it still runs after this
	// function returns if nobody does (logcontextleak's judgement).
	timerKept bool
	what      string // "the goroutine", "the function given to errgroup.Group.Go", …
}

// detectCtxBackground finds work started in the background under a
// request's context (ctxbackground): a go statement, a function given to
// errgroup.Group.Go, a worker pool or time.AfterFunc, or to a helper whose
// summary says it starts it (SpawnsParams), that works under a context
// which ends with a request — the request of an http.Handler, a web
// framework's handler, a gRPC method — when the function that starts it
// does not wait for it. Work under the context of one of the function's
// own parameters becomes a Spawn of its summary: a caller that passes a
// request's context there is reported, at the spawn, with the call path
// from the handler (or, for a spawn in another package, at the call).
func detectCtxBackground(f *Func) {
	if !f.s.context || f.inTestFile() {
		return
	}
	for _, sp := range f.spawns() {
		if p := f.startedParam(sp); p >= 0 {
			if !f.waitsForSpawn(sp) { // a helper that runs its functions concurrently and waits: no spawn
				f.Summary.SpawnsParams = append(f.Summary.SpawnsParams, p)
			}
			continue
		}
		held := slices.DeleteFunc(f.workContexts(sp), func(h heldCtx) bool { return endsOnReturn(h.value) })
		if len(held) == 0 || f.waitsForSpawn(sp) {
			continue
		}
		pos := f.spawnPos(sp.instr)
		reported := false
		for _, h := range held {
			for _, root := range f.ctxRoots(h.value, h.at) {
				switch {
				case root.request != "" && !reported:
					reported = true
					path := f.rootPath(root)
					root.reused = root.reused && isParam(h.value)
					var fixes []analysis.SuggestedFix
					if !root.reused { // WithoutCancel(c) would still read the reused c
						fixes = f.detachFix(sp, h)
					}
					f.reportBackground(pos, true, "", sp.what, root, path, fixes, useNote(h.use, h.name, sp.what))
				case root.request == "" && root.fn == f:
					f.Summary.Spawns = append(f.Summary.Spawns, Spawn{
						Param: root.param, Pos: f.s.pass.Fset.Position(pos).String(), What: sp.what,
						Path: []Step{{Pkg: f.s.pass.Pkg.Path(), Func: f.Name()}},
					})
				}
			}
		}
	}
	f.calledSpawns()
}

// calledSpawns handles the calls of functions whose summaries say they
// start work under a parameter's context: given a request's context,
// that is a finding; given one of this function's parameters, a Spawn of
// its own.
func (f *Func) calledSpawns() {
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok || !call.Pos().IsValid() {
				continue
			}
			c := call.Common()
			callee := f.Callee(c)
			if callee.Summary == nil || len(callee.Members) > 0 || len(callee.Summary.Spawns) == 0 || callee.Local == f {
				continue
			}
			params := callee.CallArgs(c)
			if callee.Recv && len(params) > 0 {
				params = params[1:]
			}
			// The caller waits for what the callee started: it blocks until
			// the context ends (a streaming handler), or receives from a
			// channel it handed over (the work's results).
			if f.waitsForSpawn(spawn{instr: call, args: params}) {
				continue
			}
			site := f.s.callStart(call.Pos())
			step := Step{Pkg: f.s.pass.Pkg.Path(), Func: f.Name(), Call: f.s.pass.Fset.Position(site).String()}
			for _, sp := range callee.Summary.Spawns {
				if sp.Param >= len(params) || params[sp.Param] == nil {
					continue
				}
				for _, root := range f.ctxRoots(params[sp.Param], call) {
					root.reused = root.reused && isParam(params[sp.Param])
					path := prepend(step, sp.Path)
					switch {
					case root.request != "":
						if root.fn != f {
							path = append(f.rootPath(root)[:1:1], path...)
						}
						if callee.Local != nil {
							if at := f.s.posOf(sp.Pos); at.IsValid() {
								f.reportBackground(at, true, "", sp.What, root, path, nil, nil)
							}
						} else {
							f.reportBackground(site, false, sp.Pos, sp.What, root, path, nil, nil)
						}
					case root.fn == f:
						f.Summary.Spawns = append(f.Summary.Spawns, Spawn{Param: root.param, Pos: sp.Pos, What: sp.What, Path: path})
					}
				}
			}
		}
	}
}

// isParam reports whether v is a parameter itself, seen through
// conversions to an interface: a web framework's context handed on as it
// is, not a context taken from it.
func isParam(v ssa.Value) bool {
	for {
		switch x := v.(type) {
		case *ssa.MakeInterface:
			v = x.X
		case *ssa.ChangeInterface:
			v = x.X
		case *ssa.ChangeType:
			v = x.X
		default:
			_, ok := v.(*ssa.Parameter)
			return ok
		}
	}
}

// rootPath is the call path from the function a root belongs to down to
// f: one step when it is f, two when it encloses f (the closure made
// there).
func (f *Func) rootPath(root ctxRoot) []Step {
	here := Step{Pkg: f.s.pass.Pkg.Path(), Func: f.Name()}
	if root.fn == f {
		return []Step{here}
	}
	outer := Step{Pkg: f.s.pass.Pkg.Path(), Func: root.fn.Name()}
	if root.via != nil {
		outer.Call = f.s.pass.Fset.Position(root.via.Pos()).String()
	}
	return []Step{outer, here}
}

// reportBackground adds a ctxbackground problem: at pos, which is the
// spawn itself (local) or the call in this package that reaches a spawn
// in another package at remote.
func (f *Func) reportBackground(pos token.Pos, local bool, remote, what string, root ctxRoot, path []Step, fixes []analysis.SuggestedFix, notes []analysis.RelatedInformation) {
	if !pos.IsValid() || f.s.dirs.ignored(f.s.pass.Fset, CtxBackground, pos) {
		return
	}
	handler := root.fn.Name()
	param := "its request"
	if ps := root.fn.SSA.Params; root.fn.SSA.Signature.Recv() != nil && root.param+1 < len(ps) {
		param = ps[root.param+1].Name()
	} else if root.param < len(ps) {
		param = ps[root.param].Name()
	}
	msg := fmt.Sprintf("%s works under the request context of %s, cancelled when it returns; detach it with context.WithoutCancel(ctx)", what, handler)
	why := fmt.Sprintf("%s is %s, whose context ends when %s returns, and nothing waits for the work before that: what it does under the context is cancelled halfway (a write lost, a message not sent). context.WithoutCancel keeps the context's values without its cancellation; give the work a deadline of its own",
		param, root.request, handler)
	if root.reused {
		msg = fmt.Sprintf("%s works under %s, which the framework hands to another request once %s returns; give it a copy (gin's %s.Copy()) or what it needs taken out before, detached with context.WithoutCancel", what, param, handler, param)
		why = fmt.Sprintf("%s is %s: the framework takes it back when %s returns and resets it for the next request, so the work reads that request's values, and its context ends with whichever request holds it (gin's Done is the request's with ContextWithFallback, nil without). Nothing waits for the work before that. context.WithoutCancel(%s.Copy()) keeps this request's values without its cancellation; give the work a deadline of its own",
			param, root.request, handler, param)
	}
	posn := f.s.pass.Fset.Position(pos).String()
	if !local {
		posn = remote
	}
	f.latent = append(f.latent, latent{
		Problem: Problem{Rule: CtxBackground, Pos: posn, Reason: msg, Why: why, Fixable: len(fixes) > 0, Path: path},
		pos:     pos,
		local:   local,
		fixes:   fixes,
		notes:   notes,
	})
}

// spawns lists the places where f starts work in the background.
func (f *Func) spawns() []spawn {
	var out []spawn
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			switch in := instr.(type) {
			case *ssa.Go:
				c := in.Common()
				callee := f.Callee(c)
				sp := spawn{instr: in, callee: callee, what: "the goroutine"}
				sp.args = callee.CallArgs(c)
				if (c.IsInvoke() || callee.Recv) && len(sp.args) > 0 {
					sp.args = sp.args[1:] // the receiver
				}
				if !c.IsInvoke() {
					sp.work = c.Value
				}
				out = append(out, sp)
			case *ssa.Call:
				c := in.Common()
				callee := f.Callee(c)
				fn, args := callee.Func, callee.CallArgs(c)
				if c.IsInvoke() {
					fn = c.Method
				}
				var recv ssa.Value
				if (c.IsInvoke() || callee.Recv) && len(args) > 0 {
					recv, args = args[0], args[1:]
				}
				if sm, ok := cancelmodel.SpawnerOf(fn); ok {
					if sm.Func < len(args) {
						sp := spawn{instr: in, work: args[sm.Func], timer: sm.Timer, what: "the function given to " + sm.What}
						if sm.Group {
							sp.group = recv
						}
						out = append(out, sp)
					}
					continue
				}
				if len(callee.Members) > 0 {
					continue
				}
				if callee.Summary == nil {
					continue
				}
				for _, k := range callee.Summary.SpawnsParams {
					if k < len(args) {
						out = append(out, spawn{instr: in, work: args[k], what: "the function given to " + callee.Name})
					}
				}
			}
		}
	}
	return out
}

// startedParam returns the function parameter of f that a spawn starts
// (go fn(), go func() { fn() }(), pool.Submit(fn)), or -1.
func (f *Func) startedParam(sp spawn) int {
	if sp.work == nil {
		return -1
	}
	if p := f.funcParam(sp.work, sp.instr); p >= 0 {
		return p
	}
	mc, ok := unconvert(sp.work).(*ssa.MakeClosure)
	if !ok {
		return -1
	}
	cl := f.s.byFunc[mc.Fn.(*ssa.Function)]
	if cl == nil {
		return -1
	}
	for _, b := range cl.SSA.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(ssa.CallInstruction)
			if !ok || call.Common().IsInvoke() {
				continue
			}
			v := unconvert(call.Common().Value)
			if u, ok := v.(*ssa.UnOp); ok && u.Op == mulOp {
				v = u.X
			}
			fv, ok := v.(*ssa.FreeVar)
			if !ok {
				continue
			}
			if k := slices.Index(cl.SSA.FreeVars, fv); k >= 0 && k < len(mc.Bindings) {
				if p := f.funcParam(mc.Bindings[k], mc); p >= 0 {
					return p
				}
			}
		}
	}
	return -1
}

// funcParam returns the index of the parameter of f that the function
// value v is at instruction at (directly, or through a variable), or -1.
func (f *Func) funcParam(v ssa.Value, at ssa.Instruction) int {
	v = unconvert(v)
	if alloc, ok := v.(*ssa.Alloc); ok {
		vals := storesReaching(alloc, at)
		if len(vals) != 1 {
			return -1
		}
		v = unconvert(vals[0])
	}
	if _, ok := v.Type().Underlying().(*types.Signature); !ok {
		return -1
	}
	return f.param(v)
}

// A heldCtx is a context that spawned work works under, as f holds it.
type heldCtx struct {
	value ssa.Value       // in f: a closure's binding, or an argument of the go statement
	at    ssa.Instruction // where the work takes it (the closure made, the go statement)
	name  string          // the variable's name in the closure, for a fix ("" for an argument)
	arg   int             // the argument's index (receiver excluded), or -1
	use   token.Pos       // where the closure uses it (NoPos for an argument)
}

// workContexts returns the contexts (and holders of one) that a spawn's
// work does work under: the variables its closure captures and works
// under, and the arguments of a go statement that its function's summary
// says it works under.
func (f *Func) workContexts(sp spawn) []heldCtx {
	var out []heldCtx
	if mc, ok := unconvert(sp.work).(*ssa.MakeClosure); ok {
		if cl := f.s.byFunc[mc.Fn.(*ssa.Function)]; cl != nil {
			for k, b := range mc.Bindings {
				if k >= len(cl.SSA.FreeVars) || !holdsContext(b.Type()) && !holdsContext(deref(b.Type())) {
					continue
				}
				if w := newCtxWalk(); cl.incomingUses(cl.SSA.FreeVars[k], w)&ctxWork != 0 {
					out = append(out, heldCtx{value: b, at: mc, name: cl.SSA.FreeVars[k].Name(), arg: -1, use: w.pos})
				}
			}
		}
	}
	for i, a := range sp.args {
		if a == nil || !holdsContext(a.Type()) {
			continue
		}
		if f.calleeUsesCtx(sp.callee, i) {
			out = append(out, heldCtx{value: a, at: sp.instr, arg: i})
		}
	}
	return out
}

// waitsForSpawn reports whether f waits for spawned work before it returns, or
// hands the means to wait for it to someone who may: after the spawn it
// calls Wait on the group that started it or on a value the work
// captures (a sync.WaitGroup the work calls Done on), receives from a
// channel the work captures (its result), Stops the timer of
// time.AfterFunc, hands one of these to a call, stores, sends or returns
// it; or it blocks until a context ends (a receive from Done(), alone or
// in a select without default): the work's context then ends when the
// work is no longer wanted. A deferred Wait anywhere counts.
func (f *Func) waitsForSpawn(sp spawn) bool {
	keys := make(map[ssa.Value]bool)
	add := func(v ssa.Value) {
		if v != nil {
			keys[syncRoot(v)] = true
		}
	}
	if mc, ok := unconvert(sp.work).(*ssa.MakeClosure); ok {
		for _, b := range mc.Bindings {
			add(b)
		}
	}
	for _, a := range sp.args {
		add(a)
	}
	add(sp.group)
	var timer ssa.Value
	if sp.timer {
		if call, ok := sp.instr.(*ssa.Call); ok {
			add(call)
			timer = call
		}
	}
	held := func(v ssa.Value) bool {
		if v == nil || sp.timerKept && timer != nil && syncRoot(v) == syncRoot(timer) {
			return false
		}
		return keys[syncRoot(v)] && syncLike(v.Type())
	}
	waitCall := func(c *ssa.CallCommon) bool {
		var recv ssa.Value
		name := ""
		switch {
		case c.IsInvoke():
			recv, name = c.Value, c.Method.Name()
		case c.Signature().Recv() != nil && len(c.Args) > 0:
			recv = c.Args[0]
			if fn := c.StaticCallee(); fn != nil {
				name = fn.Name()
			}
		}
		if recv != nil && (name == "Wait" || name == "Stop" || strings.HasPrefix(name, "Wait")) && keys[syncRoot(recv)] {
			return true
		}
		if _, builtin := c.Value.(*ssa.Builtin); builtin {
			return false
		}
		args := c.Args
		if recv != nil && !c.IsInvoke() {
			args = args[1:]
		}
		return slices.ContainsFunc(args, held)
	}
	for _, b := range f.SSA.Blocks {
		for _, instr := range b.Instrs {
			if d, ok := instr.(*ssa.Defer); ok && waitCall(d.Common()) {
				return true
			}
		}
	}
	seen := make(map[*ssa.BasicBlock]bool)
	var visit func(b *ssa.BasicBlock, i int) bool
	visit = func(b *ssa.BasicBlock, i int) bool {
		for ; i < len(b.Instrs); i++ {
			switch in := b.Instrs[i].(type) {
			case *ssa.Call:
				if waitCall(in.Common()) {
					return true
				}
			case *ssa.Go:
				if slices.ContainsFunc(in.Call.Args, held) {
					return true
				}
			case *ssa.UnOp:
				if in.Op == token.ARROW && (keys[syncRoot(in.X)] || f.doneOf(in.X) != nil) {
					return true
				}
			case *ssa.Select:
				for _, st := range in.States {
					if st.Dir == types.RecvOnly && (keys[syncRoot(st.Chan)] || in.Blocking && f.doneOf(st.Chan) != nil) {
						return true
					}
				}
			case *ssa.Return:
				if slices.ContainsFunc(in.Results, held) {
					return true
				}
			case *ssa.Store:
				if _, local := in.Addr.(*ssa.Alloc); !local && held(in.Val) {
					return true
				}
			case *ssa.MapUpdate:
				if held(in.Value) {
					return true
				}
			case *ssa.Send:
				if held(in.X) {
					return true
				}
			}
		}
		for _, s := range b.Succs {
			if !seen[s] {
				seen[s] = true
				if visit(s, 0) {
					return true
				}
			}
		}
		return false
	}
	b := sp.instr.Block()
	return visit(b, slices.Index(b.Instrs, sp.instr)+1)
}

// syncRoot is the variable or value that v denotes for waiting: a
// variable's address for its loads, a struct for its fields (s.wg.Wait()
// waits on what a work that captures s calls Done on), seen through
// conversions.
func syncRoot(v ssa.Value) ssa.Value {
	for {
		switch x := v.(type) {
		case *ssa.ChangeType:
			v = x.X
		case *ssa.MakeInterface:
			v = x.X
		case *ssa.ChangeInterface:
			v = x.X
		case *ssa.FieldAddr:
			v = x.X
		case *ssa.Field:
			v = x.X
		case *ssa.UnOp:
			if x.Op != mulOp {
				return v
			}
			v = x.X
		default:
			return v
		}
	}
}

// syncLike reports whether a value of type t is a means to wait for
// work: a channel, a type with a Wait method (sync.WaitGroup, errgroup, a
// pool), a *time.Timer, or a pointer to a struct holding a channel or a
// WaitGroup (a future).
func syncLike(t types.Type) bool {
	if _, ok := t.Underlying().(*types.Chan); ok {
		return true
	}
	if hasMethodNamed(t, "Wait") || hasMethodNamed(t, "Stop") {
		return true
	}
	st, ok := deref(t).Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		ft := st.Field(i).Type()
		if _, ok := ft.Underlying().(*types.Chan); ok || hasMethodNamed(types.NewPointer(ft), "Wait") {
			return true
		}
	}
	return false
}

// hasMethodNamed reports whether t (or *t) has a method of that name.
func hasMethodNamed(t types.Type, name string) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, name)
	_, ok := obj.(*types.Func)
	return ok
}

// detachFix suggests context.WithoutCancel for a spawn's context: around
// the go statement's argument, or, for a closure's captured ctx, as a
// first statement of the closure that shadows it.
func (f *Func) detachFix(sp spawn, h heldCtx) []analysis.SuggestedFix {
	if h.arg >= 0 {
		gs, ok := f.s.statementAt(sp.instr.Pos()).(*ast.GoStmt)
		sig := sp.callee.Signature()
		if !ok || sig == nil || h.arg >= sig.Params().Len() || sig.Variadic() && h.arg >= sig.Params().Len()-1 {
			return nil
		}
		if !isContextInterface(sig.Params().At(h.arg).Type()) {
			return nil
		}
		args := gs.Call.Args
		if len(args) != sig.Params().Len() {
			return nil // a method expression: the receiver comes first
		}
		return f.wrapFix(args[h.arg], "context", "WithoutCancel", "Detach the work from the request's cancellation")
	}
	mc, ok := unconvert(sp.work).(*ssa.MakeClosure)
	if !ok || h.name == "" || !isContextInterface(deref(h.value.Type())) {
		return nil
	}
	return f.shadowFix(mc.Fn.(*ssa.Function), h.name, "%[1]s := %[2]s.WithoutCancel(%[1]s)\n", "Detach the work from the request's cancellation", nil)
}

// isContextInterface reports whether t is context.Context itself.
func isContextInterface(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == cancelmodel.ContextPath && n.Obj().Name() == "Context"
}

// wrapFix wraps an expression in a call of pkg.fn, importing pkg.
func (f *Func) wrapFix(e ast.Expr, pkg, fn, message string) []analysis.SuggestedFix {
	file := f.s.fileOf(e.Pos())
	if file == nil {
		return nil
	}
	names, edits, ok := f.s.importNames(file, e.Pos(), pkg)
	if !ok {
		return nil
	}
	edits = append(edits,
		analysis.TextEdit{Pos: e.Pos(), End: e.Pos(), NewText: []byte(names[0] + "." + fn + "(")},
		analysis.TextEdit{Pos: e.End(), End: e.End(), NewText: []byte(")")})
	return []analysis.SuggestedFix{{Message: message, TextEdits: edits}}
}

// shadowFix inserts, as the first lines of a function literal's body,
// format's text with the variable's name and the names of the packages
// (context, then extra ones) filled in (%[1]s, %[2]s, %[3]s…), one
// statement a line. It gives up when the literal is on one line, when the
// literal declares the name itself, or when it refers to one of the
// names in fresh (which the text declares) from outside.
func (f *Func) shadowFix(fn *ssa.Function, name, format, message string, fresh []string, extra ...string) []analysis.SuggestedFix {
	lit, ok := fn.Syntax().(*ast.FuncLit)
	if !ok || lit.Body == nil {
		return nil
	}
	body := lit.Body
	file := f.s.fileOf(body.Pos())
	tf := f.s.pass.Fset.File(body.Pos())
	if file == nil || tf == nil {
		return nil
	}
	line := tf.Line(body.Lbrace)
	if line >= tf.LineCount() || tf.Line(body.Rbrace) == line || len(body.List) > 0 && tf.Line(body.List[0].Pos()) == line {
		return nil
	}
	if scope := f.s.pass.TypesInfo.Scopes[lit.Type]; scope == nil || scope.Lookup(name) != nil {
		return nil
	} else {
		for _, n := range fresh {
			if scope.Lookup(n) != nil {
				return nil
			}
		}
	}
	clash := false
	ast.Inspect(body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && slices.Contains(fresh, id.Name) {
			if obj := f.s.pass.TypesInfo.Uses[id]; obj != nil && (obj.Pos() < lit.Pos() || obj.Pos() >= lit.End()) {
				clash = true
			}
		}
		return !clash
	})
	if clash {
		return nil
	}
	at := tf.LineStart(line + 1)
	names, edits, ok := f.s.importNames(file, at, append([]string{cancelmodel.ContextPath}, extra...)...)
	if !ok {
		return nil
	}
	indent := f.s.indentOf(body) + "\t"
	fill := []any{name}
	for _, n := range names {
		fill = append(fill, n)
	}
	var text strings.Builder
	for l := range strings.Lines(fmt.Sprintf(format, fill...)) {
		text.WriteString(indent + l)
	}
	edits = append(edits, analysis.TextEdit{Pos: at, End: at, NewText: []byte(text.String())})
	return []analysis.SuggestedFix{{Message: message, TextEdits: edits}}
}

// endsOnReturn reports whether ctx is derived here by a context.WithCancel
// form whose cancel the function defers: work under it is meant to end
// when the function returns, whatever the request does (a connection's
// reader goroutine under the connection's own context).
func endsOnReturn(ctx ssa.Value) bool {
	if a, ok := ctx.(*ssa.Alloc); ok {
		// A variable a closure captures: what is stored into it.
		stored := 0
		for _, r := range *a.Referrers() {
			if st, ok := r.(*ssa.Store); ok && st.Addr == a {
				if !endsOnReturn(st.Val) {
					return false
				}
				stored++
			}
		}
		return stored > 0
	}
	e, ok := ctx.(*ssa.Extract)
	if !ok || e.Index != 0 {
		return false
	}
	call, ok := e.Tuple.(*ssa.Call)
	if !ok {
		return false
	}
	fn := call.Common().StaticCallee()
	if fn == nil || fn.Object() == nil || !cancelmodel.Cancels(fn.Object().(*types.Func)) {
		return false
	}
	for _, r := range *call.Referrers() {
		cancel, ok := r.(*ssa.Extract)
		if !ok || cancel.Index != 1 {
			continue
		}
		for _, u := range *cancel.Referrers() {
			if d, ok := u.(*ssa.Defer); ok && d.Call.Value == cancel {
				return true
			}
		}
	}
	return false
}
