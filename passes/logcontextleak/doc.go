// Package logcontextleak defines an Analyzer that reports background work
// that inherits a cancellable request's logging context and can outlive
// the request.
//
// # Analyzer logcontextleak
//
// logcontextleak: report background work that can outlive its request's logging context
//
// logcontext.RunInBackground starts work in the logging context of the
// request that starts it. The context is finished when the request ends,
// cancelled or not; work that goes on after that logs to, and counts its
// resources in, a finished context. This is Synapse's "code that starts
// some processing that's exempt from cancellation, but uses a logging
// context from cancellable code".
//
// The analyzer reports a RunInBackground whose Deferred a path from the
// start leaves unwaited-for until the request returns: never awaited,
// awaited only through StopCancellation or an Observe() of an Observable
// the work feeds, or awaited on some paths and not on one that ends the
// request normally. Awaiting the Deferred directly, or through Then,
// Chain or Gather, waits for the work and lets a cancellation reach it;
// awaiting it, or anything, through DelayCancellation after starting the
// work waits for it too; returning it hands it to the caller, whose turn
// it is to wait (work a callee returns and the caller drops is reported at
// that call). A function that leaves work running is forgiven by a caller
// that waits with DelayCancellation on every path after the call.
// logcontext.RunAsBackgroundProcess, whose work has a logging context of
// its own, is never reported.
//
// A finding is reported when a cancellable entry point reaches the code
// (//cancelcheck:cancellable, or a function passed to a function marked
// //cancelcheck:marks-cancellable); with -all, wherever it is. The
// suggested fix wraps the shielded wait in deferred.DelayCancellation (or
// turns its StopCancellation into one); for work that is never awaited,
// it starts the work with logcontext.RunAsBackgroundProcess instead.
// Suppress a finding with //cancelcheck:ignore logcontextleak <reason> on
// its line or the line above.
package logcontextleak
