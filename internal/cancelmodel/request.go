package cancelmodel

import (
	"go/types"
	"path"
	"slices"
	"strings"
)

// This file is the model behind the rules of work that outlives the
// context it runs under (ctxshared, ctxbackground): which contexts end
// with a request, which values hold a context, which calls start work in
// the background, and which calls run one function for many callers.
// Like the rest of the context model, it is a set of predicates over
// go/types objects that a user can read and extend here.

// A RequestParam says which parameter of a handler holds its request, whose
// context ends when the handler returns.
type RequestParam struct {
	Index int    // the parameter, receiver excluded
	What  string // "the *http.Request of an http.Handler", for messages
	// Reused says the value itself is handed to another request once the
	// handler returns: gin and echo keep their contexts in a sync.Pool
	// and reset them for the next request, so work that reads the value
	// afterwards reads another request's (gin documents it: "use a copy",
	// c.Copy(), in a goroutine).
	Reused bool
}

// RequestParams returns the parameters of a function with signature sig
// that hold a request whose context is cancelled when the function
// returns:
//
//   - an http.Handler's request: a function whose first two parameters
//     are an http.ResponseWriter and an *http.Request (ServeHTTP, an
//     http.HandlerFunc, chi's handlers, httprouter's Handle); its
//     r.Context() is cancelled when ServeHTTP returns;
//   - a web framework's request context: the one parameter of a handler
//     whose type is named Context (gin.Context, echo.Context and their
//     like) and holds the *http.Request, as a field Request or a method
//     Request(); its request's context is the http.Handler's, and the
//     framework reuses the value itself for the next request. Fiber is
//     not one: it runs on fasthttp, and its contexts are never cancelled
//     when a request ends (fiber.Ctx's Done is nil, c.Context() is
//     context.Background() unless the application sets one);
//   - a gRPC method's ctx: a method with the generated signature
//     (ctx context.Context, req *Req) (*Resp, error), Req and Resp being
//     protocol buffer messages; grpc-go cancels ctx when the method
//     returns;
//   - a gRPC streaming method's stream: a method whose last parameter is
//     a server stream (a Context() method, SetTrailer, SendMsg and
//     RecvMsg), whose Context() ends with the call.
func RequestParams(sig *types.Signature) []RequestParam {
	params := sig.Params()
	n := params.Len()
	switch {
	case n >= 2 && isNamed(params.At(0).Type(), "net/http", "ResponseWriter") && IsHTTPRequest(params.At(1).Type()):
		return []RequestParam{{Index: 1, What: "the *http.Request of an http.Handler"}}
	case n == 1 && frameworkContext(params.At(0).Type()):
		return []RequestParam{{Index: 0, What: "the request of a web framework's handler", Reused: true}}
	case sig.Recv() == nil:
		return nil
	case n == 2 && IsContextType(params.At(0).Type()) && isProtoMessage(params.At(1).Type()) &&
		sig.Results().Len() == 2 && isProtoMessage(sig.Results().At(0).Type()) && IsError(sig.Results().At(1).Type()):
		return []RequestParam{{Index: 0, What: "the ctx of a gRPC method"}}
	case n >= 1 && n <= 2 && isServerStream(params.At(n-1).Type()) && sig.Results().Len() == 1 && IsError(sig.Results().At(0).Type()):
		return []RequestParam{{Index: n - 1, What: "the stream of a gRPC streaming method"}}
	}
	return nil
}

// IsHTTPRequest reports whether t is *http.Request.
func IsHTTPRequest(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && isNamed(p.Elem(), "net/http", "Request")
}

// isNamed reports whether t is the named type pkg.name.
func isNamed(t types.Type, pkg, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}

// frameworkContext reports whether t is a web framework's request
// context: a type (or pointer to one) named Context that holds the
// *http.Request, as a field Request (gin) or a method Request() (echo).
func frameworkContext(t types.Type) bool {
	n := receiverNamed(t)
	if n == nil || n.Obj().Name() != "Context" || n.Obj().Pkg() == nil || Modelled(n.Obj().Pkg().Path()) {
		return false
	}
	return RequestOf(t) != ""
}

// RequestOf says how a value of type t gives the *http.Request it holds:
// "field" (a field Request, as gin.Context's), "method" (a method
// Request() *http.Request, as echo.Context's), or "".
func RequestOf(t types.Type) string {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Request")
	switch obj := obj.(type) {
	case *types.Var:
		if obj.IsField() && IsHTTPRequest(obj.Type()) {
			return "field"
		}
	case *types.Func:
		sig := obj.Type().(*types.Signature)
		if sig.Params().Len() == 0 && sig.Results().Len() == 1 && IsHTTPRequest(sig.Results().At(0).Type()) {
			return "method"
		}
	}
	return ""
}

// isProtoMessage reports whether t is a pointer to a protocol buffer
// message: its method set has ProtoReflect (google.golang.org/protobuf)
// or ProtoMessage (the older APIs, gogo).
func isProtoMessage(t types.Type) bool {
	if _, ok := types.Unalias(t).(*types.Pointer); !ok {
		return false
	}
	return hasMethod(t, "ProtoReflect") || hasMethod(t, "ProtoMessage")
}

// hasMethod reports whether t has a method of that name, exported or not.
func hasMethod(t types.Type, name string) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, name)
	_, ok := obj.(*types.Func)
	return ok
}

// isServerStream reports whether t is a gRPC server stream: it has a
// Context() method giving a context, and SetTrailer, SendMsg and RecvMsg
// (grpc.ServerStream's methods; a client stream has no SetTrailer).
func isServerStream(t types.Type) bool {
	if !hasMethod(t, "SetTrailer") || !hasMethod(t, "SendMsg") || !hasMethod(t, "RecvMsg") {
		return false
	}
	return ContextMethod(t)
}

// ContextMethod reports whether a value of type t gives a context with a
// method Context() (an *http.Request, a gRPC stream).
func ContextMethod(t types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Context")
	fn, ok := obj.(*types.Func)
	if !ok {
		return false
	}
	sig := fn.Type().(*types.Signature)
	return sig.Params().Len() == 0 && sig.Results().Len() == 1 && IsContextType(sig.Results().At(0).Type())
}

// HoldsContext reports whether a value of type t is, or holds, a context
// whose cancellation work under it sees: a context, a value with a
// Context() method (an *http.Request, a gRPC stream), or a web
// framework's request context.
func HoldsContext(t types.Type) bool {
	return IsContextType(t) || ContextMethod(t) || frameworkContext(t)
}

// Observes reports whether fn looks at the context it is given without
// doing work under it: context.Cause reads its error, context.AfterFunc
// waits for it to end.
func Observes(fn *types.Func) bool {
	switch FuncName(fn) {
	case "context.Cause", "context.AfterFunc":
		return true
	}
	return false
}

// LogsOnly reports whether fn only logs or prints what it is given:
// log/slog's Context forms take a context for its values, never its
// cancellation.
func LogsOnly(fn *types.Func) bool {
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() {
	case "log", "log/slog", "fmt":
		return true
	}
	return loggerFromContext(fn)
}

// loggerFromContext reports whether fn has the shape of a logging
// library's lookup of the logger a context carries: a context in, a
// logger out (zerolog's log.Ctx, containerd's log.G, logr.FromContext,
// klog.FromContext, ctxzap.Extract). It reads the context's values only.
func loggerFromContext(fn *types.Func) bool {
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() != nil || sig.Params().Len() != 1 || sig.Results().Len() != 1 ||
		!IsContextType(sig.Params().At(0).Type()) {
		return false
	}
	t := sig.Results().At(0).Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	name := n.Obj().Name()
	return strings.Contains(name, "Logger") || name == "Entry"
}

// A Spawner is a call that starts a function in the background.
type Spawner struct {
	Func int    // the argument that is the function started (receiver excluded)
	What string // "errgroup.Group.Go", for messages
	// Group: the work is waited for by a method Wait on the call's
	// receiver (errgroup.Group.Wait, sync.WaitGroup.Wait, a pool's Wait).
	Group bool
	// Timer: the call returns a *time.Timer whose Stop keeps the work
	// from starting (time.AfterFunc).
	Timer bool
}

// poolMethods are the names of worker pools' methods that start a
// function in the background (ants, workerpool, conc, tunny's async forms).
var poolMethods = []string{"Go", "TryGo", "Submit", "TrySubmit", "Schedule", "Spawn"}

// SpawnerOf says whether fn starts one of its arguments in the
// background: time.AfterFunc and the runtime's Clock.AfterFunc;
// errgroup.Group.Go and TryGo, sync.WaitGroup.Go; and a worker pool's
// method: a method named Go,
// TryGo, Submit, TrySubmit, Schedule or Spawn, of a type that is not the
// standard library's, whose one function parameter is the work.
func SpawnerOf(fn *types.Func) (Spawner, bool) {
	if fn == nil || fn.Pkg() == nil {
		return Spawner{}, false
	}
	switch rt, _ := Name(fn); rt {
	case "Clock.AfterFunc", "RealClock.AfterFunc":
		// The runtime's clock: RealClock's is time.AfterFunc.
		return Spawner{Func: 1, What: rt, Timer: true}, true
	}
	name := FuncName(fn)
	switch name {
	case "time.AfterFunc":
		return Spawner{Func: 1, What: "time.AfterFunc", Timer: true}, true
	case "sync.WaitGroup.Go":
		return Spawner{Func: 0, What: "sync.WaitGroup.Go", Group: true}, true
	case "golang.org/x/sync/errgroup.Group.Go", "golang.org/x/sync/errgroup.Group.TryGo":
		return Spawner{Func: 0, What: "errgroup.Group." + fn.Name(), Group: true}, true
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() == nil || !slices.Contains(poolMethods, fn.Name()) || Modelled(fn.Pkg().Path()) {
		return Spawner{}, false
	}
	k := -1
	for i := 0; i < sig.Params().Len(); i++ {
		if _, ok := sig.Params().At(i).Type().Underlying().(*types.Signature); ok {
			if k >= 0 {
				return Spawner{}, false
			}
			k = i
		}
	}
	if k < 0 {
		return Spawner{}, false
	}
	recv := receiverNamed(sig.Recv().Type())
	what := fn.Name()
	if recv != nil {
		what = path.Base(fn.Pkg().Path()) + "." + recv.Obj().Name() + "." + fn.Name()
	}
	return Spawner{Func: k, What: what, Group: hasMethod(sig.Recv().Type(), "Wait")}, true
}

// SharedCall says whether fn runs a function once for every concurrent
// caller and hands each the one result, and which argument that function
// is (receiver excluded):
//
//   - singleflight's Group.Do and DoChan (golang.org/x/sync/singleflight
//     and the packages of that name that copy it);
//   - sync.Once.Do: the function runs once, for the first caller and
//     every caller after it;
//   - a look-alike of singleflight: a method named Do or DoChan whose
//     parameters are a key and a function without parameters, of a
//     struct that holds a mutex and a map keyed by the key's type.
func SharedCall(fn *types.Func) (arg int, what string, ok bool) {
	if fn == nil || fn.Pkg() == nil {
		return 0, "", false
	}
	fn = fn.Origin()
	sig := fn.Type().(*types.Signature)
	if sig.Recv() == nil {
		return 0, "", false
	}
	recv := receiverNamed(sig.Recv().Type())
	if recv == nil {
		return 0, "", false
	}
	if FuncName(fn) == "sync.Once.Do" {
		return 0, "sync.Once.Do", true
	}
	if fn.Name() != "Do" && fn.Name() != "DoChan" || sig.Params().Len() != 2 {
		return 0, "", false
	}
	what = path.Base(fn.Pkg().Path()) + "." + recv.Obj().Name() + "." + fn.Name()
	work, ok := sig.Params().At(1).Type().Underlying().(*types.Signature)
	if !ok || work.Params().Len() != 0 {
		return 0, "", false
	}
	if path.Base(fn.Pkg().Path()) == "singleflight" {
		return 1, what, true
	}
	if keyedFlight(recv, sig.Params().At(0).Type()) {
		return 1, what, true
	}
	return 0, "", false
}

// keyedFlight reports whether a named type is a struct holding a mutex
// and a map keyed by key's type: where singleflight keeps its calls in
// flight.
func keyedFlight(n *types.Named, key types.Type) bool {
	st, ok := n.Underlying().(*types.Struct) // with the method's type parameters
	if !ok {
		return false
	}
	mutex, keyed := false, false
	for i := 0; i < st.NumFields(); i++ {
		t := st.Field(i).Type()
		if p, ok := types.Unalias(t).(*types.Pointer); ok {
			t = p.Elem()
		}
		switch {
		case isNamed(t, "sync", "Mutex"), isNamed(t, "sync", "RWMutex"):
			mutex = true
		default:
			if m, ok := t.Underlying().(*types.Map); ok && types.Identical(m.Key(), key) {
				keyed = true
			}
		}
	}
	return mutex && keyed
}

// DerivesContext reports whether fn derives, from the context it is
// given, one that is cancelled when the given one is (and maybe sooner):
// context.WithValue, WithCancel, WithTimeout, WithDeadline and their Cause
// forms, errgroup.WithContext.
func DerivesContext(fn *types.Func) bool {
	return KeepsCancellation(fn) || Cancels(fn) || FuncName(fn) == "golang.org/x/sync/errgroup.WithContext"
}
