// Package ctxbackground defines an Analyzer that reports work started in
// the background under a request's context.
//
// # Analyzer ctxbackground
//
// ctxbackground: report background work under a context that ends with a request
//
// net/http cancels a request's context when ServeHTTP returns, and
// grpc-go a method's ctx when the method returns. Work started in the
// background under that context and not waited for,
//
//	func (h *Handler) Create(w http.ResponseWriter, r *http.Request) {
//		…
//		go h.mailer.SendWelcome(r.Context(), user) // cancelled when Create returns
//		w.WriteHeader(http.StatusCreated)
//	}
//
// is cancelled halfway as soon as the handler answers: the mail is not
// sent, the audit record not written, and nothing says so.
//
// The analyzer reports a go statement, a function given to
// errgroup.Group.Go, sync.WaitGroup.Go, a worker pool (a method Go,
// TryGo, Submit, TrySubmit, Schedule or Spawn taking a function) or
// time.AfterFunc, or given to a helper of the code base that starts it in
// the background, when the work works under a context that ends with a
// request — the *http.Request of an http.Handler (chi, httprouter and
// gorilla handlers are http.Handlers), the request of a web framework's
// handler (gin, echo: a parameter of a type named Context holding the
// *http.Request), the ctx of a gRPC method (the generated signature
// (ctx, *Req) (*Resp, error)) or the stream of a streaming one — and the
// handler does not wait for it (no Wait on its group or on a WaitGroup
// it captures, no receive of its result, no wait until the context ends,
// after the spawn). It follows the context through variables, closures,
// derivations and calls: a function whose parameter's context it starts
// background work under is reported where a handler passes it a
// request's context, at the spawn, with the call path from the handler.
// Work that detaches first (ctx = context.WithoutCancel(ctx), in the
// handler or in the function that spawns), that only waits for the
// context to end (a watcher), or that uses no context is silent. Fiber's
// contexts are never cancelled at a request's end, so fiber handlers are
// not request sources. Test files are not analysed.
//
// The fix is context.WithoutCancel(ctx), which keeps the context's values
// without its cancellation, with a deadline of its own for the work; the
// suggested fix wraps the go statement's argument or shadows a captured
// ctx at the top of the goroutine. The analyzer needs no entry point.
// Suppress a finding with //cancelcheck:ignore ctxbackground <reason> on
// its line or the line above.
package ctxbackground
