package cancellable

import (
	"go/token"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// Goroutines in the request's logging context. Besides the runtime's own
// ways of starting work (RunInBackground, RunContext and Go under the
// Task's context, in logcontextleak.go), plain Go starts it: a go
// statement, time.AfterFunc, errgroup.Group.Go or a worker pool's Submit
// (the spawns of ctxbackground.go). Such work runs in the request's
// logging context when it keeps what holds that context — the Task, its
// LoggingContext, a logger from it, or a context derived from the Task's
// Context() — and, unless the request waits for it (a WaitGroup's Wait,
// a receive of its result), it goes on logging into that context after
// the request has finished it.

func init() {
	detectors = append(detectors, (*Func).goroutineLeaks)
}

// goroutineLeaks reports the work this function starts in plain Go that
// keeps the request's logging context and that the function does not
// wait for.
func (f *Func) goroutineLeaks() {
	if !f.s.runtime {
		return
	}
	for _, sp := range f.spawns() {
		if call, ok := sp.instr.(*ssa.Call); ok && f.Callee(call.Common()).Runtime != "" {
			continue // the runtime's own starts: logcontextleak.go
		}
		what, ok := f.keepsLogContext(sp)
		sp.timerKept = true // a timer kept for a later Stop still fires after the request
		if !ok || f.waitsForSpawn(sp) {
			continue
		}
		f.Report(LogContextLeak, f.spawnPos(sp.instr), sp.what+" can outlive the request and use its logging context after it is finished: it keeps "+
			what+", and the request does not wait for it; start it with logcontext.RunAsBackgroundProcess, which gives it a logging context of its own, or wait for it")
	}
}

// keepsLogContext reports whether a spawn's work keeps the request's
// logging context: a value its closure captures, or an argument of the go
// statement, that holds it; and says which.
func (f *Func) keepsLogContext(sp spawn) (string, bool) {
	var held []ssa.Value
	if mc, ok := unconvert(sp.work).(*ssa.MakeClosure); ok {
		held = append(held, mc.Bindings...)
	}
	held = append(held, sp.args...)
	for _, v := range held {
		if what, ok := f.logContextOf(v, make(map[ssa.Value]bool)); ok {
			return what, true
		}
	}
	return "", false
}

// logContextOf reports whether v holds the logging context of the Task
// this function runs in, and names what it is: the Task itself, its
// LoggingContext (logcontext.Current, FromContext of the Task's context),
// a logger of it (logcontext.Logger, LoggingContext.Logger, and what
// slog's With and WithGroup derive from one), or a context derived from
// the Task's Context(); seen through conversions, phis and local
// variables, captured ones included.
func (f *Func) logContextOf(v ssa.Value, seen map[ssa.Value]bool) (string, bool) {
	if v == nil || seen[v] {
		return "", false
	}
	seen[v] = true
	if cancelmodel.IsTaskType(v.Type()) {
		return "the request's Task", true
	}
	switch x := v.(type) {
	case *ssa.ChangeType:
		return f.logContextOf(x.X, seen)
	case *ssa.MakeInterface:
		return f.logContextOf(x.X, seen)
	case *ssa.Phi:
		for _, e := range x.Edges {
			if what, ok := f.logContextOf(e, seen); ok {
				return what, true
			}
		}
	case *ssa.Alloc:
		for _, val := range allocStores(x) { // a captured variable
			if what, ok := f.logContextOf(val, seen); ok {
				return what, true
			}
		}
	case *ssa.UnOp:
		if x.Op == token.MUL {
			if alloc, ok := x.X.(*ssa.Alloc); ok {
				return f.logContextOf(alloc, seen)
			}
		}
	case *ssa.Call:
		callee := f.Callee(x.Common())
		switch callee.Runtime {
		case "logcontext.Current":
			return "the request's LoggingContext (logcontext.Current)", true
		case "logcontext.Logger":
			return "the request's logger (logcontext.Logger)", true
		case "logcontext.LoggingContext.Logger":
			if len(x.Call.Args) > 0 {
				if _, ok := f.logContextOf(x.Call.Args[0], seen); ok {
					return "the request's logger (LoggingContext.Logger)", true
				}
			}
		case "logcontext.FromContext":
			if len(x.Call.Args) > 0 && f.fromTaskContext(x.Call.Args[0], make(map[ssa.Value]bool)) {
				return "the request's LoggingContext (logcontext.FromContext)", true
			}
		}
		switch cancelmodel.FuncName(callee.Func) {
		case "log/slog.Logger.With", "log/slog.Logger.WithGroup":
			if len(x.Call.Args) > 0 {
				return f.logContextOf(x.Call.Args[0], seen)
			}
		}
		if f.fromTaskContext(x, make(map[ssa.Value]bool)) {
			return "a context derived from the Task's Context()", true
		}
	case *ssa.Extract:
		if f.fromTaskContext(x, make(map[ssa.Value]bool)) {
			return "a context derived from the Task's Context()", true
		}
	}
	return "", false
}
