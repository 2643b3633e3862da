// Package ctxshared defines an Analyzer that reports work shared by
// concurrent callers that runs under one caller's context.
//
// # Analyzer ctxshared
//
// ctxshared: report shared work run under the context of the caller that started it
//
// singleflight runs a function once for every concurrent caller with the
// same key and hands each the one result. When the function works under
// the context of the caller that happened to start it,
//
//	v, err, _ := s.group.Do(id, func() (any, error) {
//		return s.db.QueryContext(ctx, "select … where id = ?", id) // ctx: this caller's
//	})
//
// that caller's end (a client gone, a short deadline) cancels the work
// for every waiter: they all fail with a cancellation they did not ask
// for, and a waiter that retries starts the work again under another
// caller's context. sync.Once.Do is worse: the one run fails for good.
//
// The analyzer reports a closure given to singleflight's Group.Do or
// DoChan (golang.org/x/sync/singleflight and the packages of that name
// that copy it), to a look-alike of them (a method Do or DoChan taking a
// key and a function without parameters, of a struct holding a mutex and
// a map keyed by the key's type), or to sync.Once.Do, that works under or
// waits on a context of the calling function: a parameter, or a context
// derived from one (WithValue, WithTimeout, r.Context() of a request
// parameter), captured directly, through variables or through enclosing
// closures. A closure that detaches first (ctx = context.WithoutCancel(ctx)),
// makes its own context (context.Background()), uses a context of the
// receiver (a server's own) or none at all is silent. Test files are not
// analysed.
//
// The fix is to run the shared work under context.WithoutCancel(ctx),
// which keeps the context's values (trace, credentials) without its
// cancellation, with a timeout of its own; the suggested fix inserts
// ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
// at the top of the closure (adjust the minute). The analyzer needs no
// entry point. Suppress a finding with //cancelcheck:ignore ctxshared
// <reason> on its line or the line above.
package ctxshared
