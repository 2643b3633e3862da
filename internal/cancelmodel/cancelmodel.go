// Package cancelmodel is what the cancelcheck analyzers know about
// cancellation: which calls produce a value that may carry a cancellation,
// which tests recognise one, what shields a wait, what propagates an error
// and what only reads it. Each of these is a small predicate over go/types
// objects, so that a second source of cancellation (plain context.Context:
// context.Canceled, ctx.Err()) can be added beside the deferred runtime's
// without touching the analyses that use them.
//
// The runtime is recognised by package path and name, never by position:
// the names are the contract fixed in DESIGN.md.
package cancelmodel

import (
	"go/types"
	"strings"
)

// Import paths of the runtime.
const (
	DeferredPath   = "github.com/cancelcheck/cancelcheck/deferred"
	LogcontextPath = DeferredPath + "/logcontext"
)

// IsRuntimePackage reports whether path is a package of the runtime itself,
// whose functions the analyzers model by name instead of summarising.
func IsRuntimePackage(path string) bool {
	return path == DeferredPath || path == LogcontextPath
}

// Name returns the runtime name of fn ("Await", "Deferred.AddErrback",
// "logcontext.RunInBackground") and whether fn belongs to the runtime.
// Instantiated generic functions and methods are named by their origin.
func Name(fn *types.Func) (string, bool) {
	if fn == nil || fn.Pkg() == nil {
		return "", false
	}
	fn = fn.Origin()
	var prefix string
	switch fn.Pkg().Path() {
	case DeferredPath:
	case LogcontextPath:
		prefix = "logcontext."
	default:
		return "", false
	}
	sig, _ := fn.Type().(*types.Signature)
	if sig != nil && sig.Recv() != nil {
		if named := receiverNamed(sig.Recv().Type()); named != nil {
			return prefix + named.Obj().Name() + "." + fn.Name(), true
		}
	}
	return prefix + fn.Name(), true
}

// FuncName returns the qualified name ("errors.Is", "log/slog.Logger.Info")
// of a function or method of any package, for the standard-library
// predicates below.
func FuncName(fn *types.Func) string {
	if fn == nil {
		return ""
	}
	fn = fn.Origin()
	pkg := ""
	if fn.Pkg() != nil {
		pkg = fn.Pkg().Path() + "."
	}
	if sig, _ := fn.Type().(*types.Signature); sig != nil && sig.Recv() != nil {
		if named := receiverNamed(sig.Recv().Type()); named != nil {
			return pkg + named.Obj().Name() + "." + fn.Name()
		}
		return pkg + fn.Name() // interface method of an unnamed interface
	}
	return pkg + fn.Name()
}

func receiverNamed(t types.Type) *types.Named {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, _ := types.Unalias(t).(*types.Named)
	return n
}

// --- Sources: which calls produce a value that may carry a cancellation. ---

// AwaitErrorResult reports whether fn suspends the calling async function
// and returns, as its result index, an error that is a cancellation when the
// caller is cancelled while it waits.
func AwaitErrorResult(fn *types.Func) (index int, ok bool) {
	if name, _ := Name(fn); name == "Await" {
		return 1, true
	}
	return 0, false
}

// FirstErrorSource reports whether a call of fn returns a Deferred that fails
// with a *FirstError: deferred.Gather.
func FirstErrorSource(fn *types.Func) bool {
	name, _ := Name(fn)
	return name == "Gather"
}

// DeferredPassThrough reports whether a call of fn returns a Deferred that
// fails with the error of the Deferred at argument index arg (receiver
// first, for methods): the wrappers that read a Deferred without changing
// its error, and the Add* methods and MarkHandled, which return their
// receiver.
func DeferredPassThrough(fn *types.Func) (arg int, ok bool) {
	name, _ := Name(fn)
	switch name {
	case "Then", "Chain", "StopCancellation", "DelayCancellation", "NewObservable",
		"Observable.Observe",
		"Deferred.AddCallbacks", "Deferred.AddCallback", "Deferred.AddErrback", "Deferred.AddBoth",
		"Deferred.AddDeferredCallbacks", "Deferred.AddDeferredCallback", "Deferred.MarkHandled":
		return 0, true
	}
	return 0, false
}

// CancelsArg reports whether a call of fn cancels the Deferred at argument
// index arg (receiver first) by itself, whether or not anything cancels
// what the call returns: Deferred.Cancel and CancelWithReason, and
// Timeout, which cancels its
// Deferred when the time runs out. A Deferred that other waiters share
// fails for every one of them.
func CancelsArg(fn *types.Func) (arg int, ok bool) {
	name, _ := Name(fn)
	switch name {
	case "Deferred.Cancel", "Deferred.CancelWithReason", "Timeout":
		return 0, true
	}
	return 0, false
}

// CancelPassThrough reports whether cancelling the Deferred that a call of
// fn returns cancels the Deferred at argument index arg (receiver first):
// the pass-through wrappers of DeferredPassThrough, and Timeout, whose
// result fails with a *TimeoutError instead of d's cancellation when the
// time runs out but passes a cancel on to d all the same.
func CancelPassThrough(fn *types.Func) (arg int, ok bool) {
	if name, _ := Name(fn); name == "Timeout" {
		return 0, true
	}
	return DeferredPassThrough(fn)
}

// TaskStarter reports whether fn runs the async function at argument index
// arg on a new Task whose Deferred it returns, and whether that Task is part
// of the caller's call tree: cancelling the Deferred the caller waits on
// reaches it (Run, RunContext, logcontext.RunInBackground), or it is never
// cancelled with the request (logcontext.RunAsBackgroundProcess).
func TaskStarter(fn *types.Func) (arg int, inTree, ok bool) {
	name, _ := Name(fn)
	switch name {
	case "Run":
		return 0, true, true
	case "RunContext", "logcontext.RunInBackground":
		return 1, true, true
	case "logcontext.RunAsBackgroundProcess":
		return 1, false, true
	}
	return 0, false, false
}

// ChainCallbacks returns the argument indexes (receiver first, for methods)
// of the functions that fn runs inside a Deferred's chain, so in the call
// tree of whoever waits on that Deferred: callbacks, errbacks, cancellers.
func ChainCallbacks(fn *types.Func) []int {
	name, _ := Name(fn)
	switch name {
	case "New":
		return []int{0}
	case "Then", "Chain", "WithLock":
		return []int{1}
	case "Deferred.AddCallbacks", "Deferred.AddDeferredCallbacks":
		return []int{1, 2}
	case "Deferred.AddCallback", "Deferred.AddErrback", "Deferred.AddBoth", "Deferred.AddDeferredCallback":
		return []int{1}
	case "GatherEach":
		return []int{1} // called at once, for each item
	case "ConcurrentlyExecute":
		return []int{2} // called for each item, at most limit at a time
	}
	return nil
}

// CancelErrorResult reports whether fn returns, as its result index, an
// error that is a cancellation when its context ends, without suspending an
// async function: deferred.Wait, plain goroutine code's wait for a
// Deferred.
func CancelErrorResult(fn *types.Func) (index int, ok bool) {
	if name, _ := Name(fn); name == "Wait" {
		return 1, true
	}
	return 0, false
}

// GoroutineStarter reports whether fn runs the function at argument index
// arg on a new goroutine, outside the caller's call tree, under a context
// derived from argument ctx: deferred.Go, the bridge to blocking code.
// Cancelling the Deferred it returns cancels that context; awaiting it
// waits for the goroutine.
func GoroutineStarter(fn *types.Func) (arg, ctx int, ok bool) {
	if name, _ := Name(fn); name == "Go" {
		return 1, 0, true
	}
	return 0, 0, false
}

// Errback reports whether argument arg of a call of fn (receiver first) is
// an errback, and which of its parameters receives the failure: such a
// parameter may carry a cancellation, and an errback that returns a nil
// error recovers the chain.
func Errback(fn *types.Func) (arg, param int, ok bool) {
	name, _ := Name(fn)
	switch name {
	case "Deferred.AddErrback":
		return 1, 0, true
	case "Deferred.AddCallbacks", "Deferred.AddDeferredCallbacks":
		return 2, 0, true
	case "Deferred.AddBoth":
		return 1, 1, true
	}
	return 0, 0, false
}

// IsListResultErr reports whether field i of struct type t is the Err of
// a deferred.Result, a List's result per input: a cancelled List holds its
// inputs' cancellations there, while the List itself succeeds.
func IsListResultErr(t types.Type, i int) bool {
	if !isRuntimeType(t, "Result") {
		return false
	}
	st, ok := t.Underlying().(*types.Struct)
	if p, isPtr := t.Underlying().(*types.Pointer); isPtr {
		st, ok = p.Elem().Underlying().(*types.Struct)
	}
	return ok && i < st.NumFields() && st.Field(i).Name() == "Err"
}

// --- Shields: what stops a cancellation from reaching a Deferred. ---

// Shield reports whether fn returns a Deferred that a cancel does not pass
// through to its argument: StopCancellation (fails at once), and
// DelayCancellation (waits for the argument first), and Observe (a
// per-waiter Deferred).
func Shield(fn *types.Func) (delays, ok bool) {
	name, _ := Name(fn)
	switch name {
	case "StopCancellation", "Observable.Observe":
		return false, true
	case "DelayCancellation":
		return true, true
	}
	return false, false
}

// --- Tests: what recognises a cancellation. ---

// IsErrCancelled reports whether v is the sentinel deferred.ErrCancelled.
func IsErrCancelled(v *types.Var) bool {
	return v != nil && v.Pkg() != nil && v.Pkg().Path() == DeferredPath && v.Name() == "ErrCancelled" &&
		v.Parent() == v.Pkg().Scope()
}

// IsCancelledErrorType reports whether t is *deferred.CancelledError (or
// deferred.CancelledError).
func IsCancelledErrorType(t types.Type) bool { return isRuntimeType(t, "CancelledError") }

// IsFirstErrorType reports whether t is *deferred.FirstError (or
// deferred.FirstError).
func IsFirstErrorType(t types.Type) bool { return isRuntimeType(t, "FirstError") }

func isRuntimeType(t types.Type, name string) bool {
	n := receiverNamed(t)
	return n != nil && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == DeferredPath && n.Obj().Name() == name
}

// IsUnwrapFirstError reports whether fn is deferred.UnwrapFirstError: its
// result carries what its argument carries, without the *FirstError.
func IsUnwrapFirstError(fn *types.Func) bool {
	name, _ := Name(fn)
	return name == "UnwrapFirstError"
}

// IsErrorsIs and IsErrorsAs recognise the tests that see through wrappers.
func IsErrorsIs(fn *types.Func) bool { return FuncName(fn) == "errors.Is" }

// IsErrorsAs: see IsErrorsIs.
func IsErrorsAs(fn *types.Func) bool {
	name := FuncName(fn)
	return name == "errors.As" || name == "errors.AsType"
}

// CancelText reports whether a string constant compared with err.Error()
// looks like a test for a cancellation.
func CancelText(s string) bool { return strings.Contains(strings.ToLower(s), "cancel") }

// --- Propagation: what passes an error on, and what only reads it. ---

// Wraps reports how a call of fn treats an error argument: the result
// carries it (errors.Join, deferred.UnwrapFirstError), or fn formats
// (fmt.Errorf, which carries it only for %w: see FormatArgVerb).
func Wraps(fn *types.Func) (carries, formats bool) {
	switch FuncName(fn) {
	case "errors.Join":
		return true, false
	case "fmt.Errorf":
		return false, true
	}
	return IsUnwrapFirstError(fn), false
}

// WrapsFirst reports whether a call of fn returns an error that holds its
// first argument in its chain, with a message or a stack added:
// github.com/pkg/errors' Wrap, Wrapf, WithMessage, WithMessagef and
// WithStack, whose types have Unwrap (and Cause) since v0.9.0. The package
// imports no context, so it is not summarised: modelled here. Its Errorf
// and New make new errors (their arguments are formatted, not held).
func WrapsFirst(fn *types.Func) bool {
	switch FuncName(fn) {
	case "github.com/pkg/errors.Wrap", "github.com/pkg/errors.Wrapf",
		"github.com/pkg/errors.WithMessage", "github.com/pkg/errors.WithMessagef",
		"github.com/pkg/errors.WithStack":
		return true
	}
	return false
}

// IsErrback reports whether fn fails a Deferred with its argument: passing
// the error to Errback propagates it.
func IsErrback(fn *types.Func) bool {
	name, _ := Name(fn)
	return name == "Deferred.Errback"
}

// OnlyReads reports whether fn reads an error argument without passing it
// on: logging, printing, formatting into a string, inspecting it. Logging a
// cancellation is not propagating it.
func OnlyReads(fn *types.Func) bool {
	name := FuncName(fn)
	pkg, rest, _ := cutPkg(name)
	switch pkg {
	case "log", "log/slog":
		return true // log.Fatal and log.Panic end the path anyway
	case "fmt":
		return strings.HasPrefix(rest, "Print") || strings.HasPrefix(rest, "Fprint") ||
			strings.HasPrefix(rest, "Sprint") || strings.HasPrefix(rest, "Append")
	case "errors":
		return rest == "Is" || rest == "As" || rest == "AsType"
	case "testing":
		return strings.HasSuffix(rest, ".Log") || strings.HasSuffix(rest, ".Logf") ||
			strings.HasSuffix(rest, ".Error") || strings.HasSuffix(rest, ".Errorf") ||
			strings.HasSuffix(rest, ".Skip") || strings.HasSuffix(rest, ".Skipf")
	}
	return false
}

// cutPkg splits "log/slog.Logger.Info" into "log/slog" and "Logger.Info".
func cutPkg(name string) (pkg, rest string, ok bool) {
	slash := strings.LastIndex(name, "/")
	dot := strings.Index(name[slash+1:], ".")
	if dot < 0 {
		return "", name, false
	}
	return name[:slash+1+dot], name[slash+1+dot+1:], true
}

// NoReturn reports whether a call of fn never returns normally: the path
// that calls it neither swallows nor propagates anything.
func NoReturn(fn *types.Func) bool {
	switch FuncName(fn) {
	case "os.Exit", "runtime.Goexit",
		"log.Fatal", "log.Fatalf", "log.Fatalln", "log.Panic", "log.Panicf", "log.Panicln",
		"log.Logger.Fatal", "log.Logger.Fatalf", "log.Logger.Fatalln",
		"log.Logger.Panic", "log.Logger.Panicf", "log.Logger.Panicln",
		"testing.common.FailNow", "testing.common.Fatal", "testing.common.Fatalf",
		"testing.common.SkipNow", "testing.common.Skip", "testing.common.Skipf":
		return true
	}
	return false
}

// IsDeferredType reports whether t is *deferred.Deferred[T].
func IsDeferredType(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && isRuntimeType(p.Elem(), "Deferred")
}

// IsTaskType reports whether t is *deferred.Task.
func IsTaskType(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && isRuntimeType(p.Elem(), "Task")
}

// IsError reports whether t is the predeclared error type.
func IsError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}
