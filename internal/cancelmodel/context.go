package cancelmodel

import (
	"go/build"
	"go/types"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"weak"
)

// This file is the model of the second cancellation source: the standard
// library's context package. It answers the same questions as the
// runtime's model (cancelmodel.go) for code that cancels with a
// context.Context, which is nearly all Go code:
//
//   - which values may carry a context error: ctx.Err(), context.Cause,
//     and the error of a call that is given a cancellable context, directly
//     or through something that carries one (CarrierType, and the results
//     of such calls, which the analysis follows by value);
//   - which contexts are cancellable: every context except those made by
//     the Uncancellable constructors, and contexts derived from those by
//     the value-only derivations (KeepsCancellation);
//   - what recognises a context error: errors.Is with a Sentinel, or
//     nothing that a wrapper defeats (==, a message test);
//   - which library functions the analysis models instead of summarising
//     (Modelled), because their own code loses the error's provenance in
//     channels and interfaces.
//
// A user extends the model here: a new carrier type, a new uncancellable
// constructor, a new sentinel.

// ContextPath is the import path of the context package.
const ContextPath = "context"

// IsContextType reports whether t is context.Context, or a concrete type
// that implements it (such as a web framework's request context): a value
// of it can be cancelled.
func IsContextType(t types.Type) bool {
	if n := receiverNamed(t); n != nil && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == ContextPath && n.Obj().Name() == "Context" {
		return true
	}
	if _, ok := t.Underlying().(*types.Interface); ok {
		return false // another interface: not known to be a context
	}
	return hasContextMethods(t)
}

// hasContextMethods reports whether t's method set holds the four methods
// of context.Context, by name and shape. The answer for a named type and
// a pointer to one is kept (contextTypes): the rules ask it of the same
// types at every value they follow, and a method set costs allocations.
func hasContextMethods(t types.Type) bool {
	n := receiverNamed(t)
	if n == nil {
		return computeContextMethods(t)
	}
	_, ptr := t.(*types.Pointer)
	key := contextTypeKey{weak.Make(n), ptr}
	if v, ok := contextTypes.Load(key); ok {
		return v.(bool)
	}
	v := computeContextMethods(t)
	if _, loaded := contextTypes.LoadOrStore(key, v); !loaded {
		runtime.AddCleanup(n, func(k contextTypeKey) { contextTypes.Delete(k) }, key)
	}
	return v
}

// contextTypes holds hasContextMethods's answers, by named type and
// pointer-ness. It holds its types weakly, and an answer goes with its
// type: the standalone driver lets a package's types go once nothing
// needs them, and the cache must not keep them.
var contextTypes sync.Map // contextTypeKey → bool

type contextTypeKey struct {
	named weak.Pointer[types.Named]
	ptr   bool
}

func computeContextMethods(t types.Type) bool {
	ms := types.NewMethodSet(t)
	if _, isPtr := t.(*types.Pointer); !isPtr && ms.Len() < 4 {
		ms = types.NewMethodSet(types.NewPointer(t))
	}
	need := map[string]int{"Deadline": 2, "Done": 1, "Err": 1, "Value": 1}
	found := 0
	for i := 0; i < ms.Len(); i++ {
		fn, ok := ms.At(i).Obj().(*types.Func)
		if !ok {
			continue
		}
		if n, ok := need[fn.Name()]; ok && fn.Type().(*types.Signature).Results().Len() == n {
			found++
		}
	}
	return found == len(need)
}

// IsContextErr reports whether fn is the Err method of a context (the
// interface's, or a context implementation's): its result is a context
// error as the context package makes it, not wrapped.
func IsContextErr(fn *types.Func) bool {
	if fn == nil || fn.Name() != "Err" {
		return false
	}
	sig := fn.Type().(*types.Signature)
	return sig.Recv() != nil && sig.Params().Len() == 0 && IsContextType(sig.Recv().Type())
}

// IsContextDone reports whether fn is the Done method of a context: a
// receive from its channel completes when the context ends.
func IsContextDone(fn *types.Func) bool {
	if fn == nil || fn.Name() != "Done" {
		return false
	}
	sig := fn.Type().(*types.Signature)
	return sig.Recv() != nil && sig.Params().Len() == 0 && IsContextType(sig.Recv().Type())
}

// IsContextCause reports whether fn is context.Cause: its result is the
// context's cause, which may be any error, wrapped or not.
func IsContextCause(fn *types.Func) bool { return FuncName(fn) == "context.Cause" }

// Uncancellable reports whether fn makes a context that is never
// cancelled: context.Background, context.TODO, context.WithoutCancel.
// Work under such a context is shielded from the caller's cancellation.
func Uncancellable(fn *types.Func) bool {
	switch FuncName(fn) {
	case "context.Background", "context.TODO", "context.WithoutCancel":
		return true
	}
	return false
}

// KeepsValues reports whether fn derives a context (its first result)
// that holds the values of its first argument: every context.With*
// function, WithoutCancel included. A request's logging context, a value,
// goes with it.
func KeepsValues(fn *types.Func) bool {
	return KeepsCancellation(fn) || Cancels(fn) || FuncName(fn) == "context.WithoutCancel"
}

// KeepsCancellation reports whether fn derives a context (its first
// result) that is cancelled exactly when its first argument is, adding
// nothing that ends it: context.WithValue.
func KeepsCancellation(fn *types.Func) bool { return FuncName(fn) == "context.WithValue" }

// Deadline reports whether fn derives a context that also ends on its
// own, at a deadline the caller sets: context.WithTimeout, WithDeadline
// and their Cause forms. A function that makes one expects its context to
// end: a DeadlineExceeded there is an answer, not a cancellation.
func Deadline(fn *types.Func) bool {
	switch FuncName(fn) {
	case "context.WithTimeout", "context.WithDeadline", "context.WithTimeoutCause", "context.WithDeadlineCause":
		return true
	}
	return false
}

// Cancels reports whether fn derives a context together with the function
// that cancels it: context.WithCancel, WithCancelCause, and the deadline
// forms. A function that calls that cancel itself expects a Canceled from
// the work under it.
func Cancels(fn *types.Func) bool {
	switch FuncName(fn) {
	case "context.WithCancel", "context.WithCancelCause":
		return true
	}
	return Deadline(fn)
}

// BindsContext reports whether fn takes a context only to keep it in what
// it returns: its error says something else (a malformed URL), never that
// the context ended. Its other results carry the context on.
func BindsContext(fn *types.Func) bool {
	switch FuncName(fn) {
	case "net/http.NewRequestWithContext", "net/http.Request.WithContext", "net/http.Request.Clone",
		// A command made with exec.CommandContext keeps its context for
		// Start and Wait; making its pipes cannot fail with it.
		"os/exec.Cmd.StdinPipe", "os/exec.Cmd.StdoutPipe", "os/exec.Cmd.StderrPipe":
		return true
	}
	return false
}

// IsContextSentinel reports whether v is context.Canceled or
// context.DeadlineExceeded: an error value that the context package
// returns as it is, and that wrappers hide from ==.
func IsContextSentinel(v *types.Var) bool {
	return v != nil && v.Pkg() != nil && v.Pkg().Path() == ContextPath &&
		(v.Name() == "Canceled" || v.Name() == "DeadlineExceeded") && v.Parent() == v.Pkg().Scope()
}

// IsDeadlineSentinel reports whether v is context.DeadlineExceeded.
func IsDeadlineSentinel(v *types.Var) bool {
	return IsContextSentinel(v) && v.Name() == "DeadlineExceeded"
}

// ContextText reports whether a string constant compared with, or looked
// for in, err.Error() is the message of a context error.
func ContextText(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "context canceled") || strings.Contains(s, "context cancelled") ||
		strings.Contains(s, "deadline exceeded")
}

// CarrierType reports whether a value of type t carries a context to the
// calls it is given to, so that their errors may be context errors: an
// *http.Request (its Context), and a struct (or pointer to one) of code
// that is not modelled with a context.Context field, as clients and
// handles built with a ctx keep it. The standard library's other structs
// that keep a context (exec.Cmd, tls.CertificateRequestInfo) do so for
// purposes of their own, and are modelled by their calls' arguments; so
// does the runtime's Task, whose cancellations are the runtime's.
func CarrierType(t types.Type) bool {
	n := receiverNamed(t)
	if n != nil && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "net/http" && n.Obj().Name() == "Request" {
		_, ptr := types.Unalias(t).(*types.Pointer)
		return ptr
	}
	if n != nil && n.Obj().Pkg() != nil && (Modelled(n.Obj().Pkg().Path()) || IsRuntimePackage(n.Obj().Pkg().Path())) {
		return false // the runtime's Task keeps a context, but fails with its own cancellations
	}
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := 0; i < st.NumFields(); i++ {
		if ft := st.Field(i).Type(); IsContextType(ft) {
			return true
		}
	}
	return false
}

// CarrierResult reports whether a result of type t, returned by a call
// given a cancellable context, carries that context on: a handle (pointer,
// interface, channel, function, or a struct holding one) whose later calls
// may fail with the context's error, as an *sql.Rows, an *http.Response's
// body or a stream do. Plain data (numbers, strings, slices of them) does
// not.
func CarrierResult(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Pointer, *types.Interface, *types.Chan, *types.Signature:
		return !IsError(t)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if CarrierResult(u.Field(i).Type()) {
				return true
			}
		}
	}
	return false
}

// Modelled reports whether the functions of the package at path are
// modelled here rather than summarised from their code: the standard
// library, whose I/O hands errors through channels, interfaces and
// goroutines that a per-function summary does not follow. A call into it
// that is given a cancellable context may fail with that context's error,
// wrapped (an *url.Error, a *net.OpError). A package is the standard
// library's when GOROOT holds it (import paths alone cannot tell: a
// GOPATH package may have a path without a dot too).
func Modelled(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	if strings.Contains(first, ".") {
		return false
	}
	if v, ok := stdPackages.Load(path); ok {
		return v.(bool)
	}
	goroot := build.Default.GOROOT
	info, err := os.Stat(filepath.Join(goroot, "src", filepath.FromSlash(path)))
	std := goroot != "" && err == nil && info.IsDir() || path == "unsafe"
	stdPackages.Store(path, std)
	return std
}

// stdPackages memoises Modelled's look-ups in GOROOT.
var stdPackages sync.Map
