// Package shareddeferred defines an Analyzer that reports Deferreds shared
// between callers and handed, unshielded, to cancellable code.
//
// # Analyzer shareddeferred
//
// shareddeferred: report shared Deferreds that cancellable code can cancel
//
// A Deferred has one result for all its waiters. When several requests
// wait on the same Deferred and one of them is cancelled, the cancel
// travels down to that Deferred and fails it with a *CancelledError for
// every waiter, and stops (or drops the result of) the work behind it.
// This is Synapse's "code that shares the same Deferred, which may be
// cancelled, between multiple requests".
//
// The analyzer reports a Deferred that is not the caller's own — loaded
// from a map, a package-level variable, or a field of a value that other
// calls reach (through a parameter or the receiver, or a variable captured
// by a function that runs more than once), or stored there as it is before
// being handed out, when the package also loads and hands out Deferreds
// from that storage — that is awaited by cancellable code, or returned to
// it, without deferred.StopCancellation, deferred.DelayCancellation or a
// per-caller Observe() of an Observable. Then, Chain and the Add* methods
// pass a cancel through, so a Deferred derived from a shared one with them
// is as shared. A value made in the same call, and a Deferred appended to
// a list of waiters, are the caller's own.
//
// The finding is at the return in the function that hands the Deferred
// out, where the shield goes, or at the Await when the Deferred is loaded
// in the function that awaits it; when that is in another package, at
// the call in this package that reaches it. The suggested fix wraps the
// Deferred in deferred.StopCancellation.
//
// A finding is reported when a cancellable entry point reaches the code
// (//cancelcheck:cancellable, or a function passed to a function marked
// //cancelcheck:marks-cancellable); with -all, wherever a function awaits
// a shared Deferred. Suppress a finding with
// //cancelcheck:ignore shareddeferred <reason> on its line or the line
// above.
package shareddeferred
