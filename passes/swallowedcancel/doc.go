// Package swallowedcancel defines an Analyzer that reports cancellation
// errors that are dropped in code a cancellable entry point reaches.
//
// # Analyzer swallowedcancel
//
// swallowedcancel: report cancellations that are caught and dropped
//
// When a cancellable request is cancelled, the *CancelledError comes out
// of the Await it is suspended in and must travel back up to the request,
// which then ends. Code that treats it like any other failure — logs it and
// returns nil, retries, carries on — swallows it: the request goes on
// working for a client that has gone, and its Deferred fires as if it had
// succeeded. This is Synapse's "try-except blocks which swallow
// CancelledErrors".
//
// The analyzer reports an error that may be a cancellation (it comes from
// Await, or from a call whose summary says its error may be one) when a
// path drops it and goes on normally: returns a nil error (or, in a
// function without an error result, returns at all), goes round a loop to
// the same call, or goes on to wait on something else, with no
// errors.Is(err, deferred.ErrCancelled) or errors.As(err, **CancelledError)
// test on the way that re-raises it, and without passing the error itself
// on (returning it, wrapping it with %w or errors.Join, failing a Deferred
// with it, handing it to code that is not known to only read it). Logging
// it is not passing it on. It also reports an error discarded with _, and
// an errback (AddErrback, AddCallbacks, AddBoth) that recovers with a nil
// error on a path where the failure may be a cancellation.
//
// Calls that cannot be cancelled (nothing below them awaits) are not
// sources. A test that recognises a cancellation the wrong way
// (err == deferred.ErrCancelled, a type assertion defeated by a
// *FirstError) is reported by firsterror instead.
//
// A finding is reported when a cancellable entry point reaches the code
// (//cancelcheck:cancellable, or a function passed to a function marked
// //cancelcheck:marks-cancellable); with -all, wherever it is. The
// suggested fix inserts
//
//	if errors.Is(err, deferred.ErrCancelled) {
//		return ..., err
//	}
//
// at the top of the branch that handles the error. Suppress a finding with
// //cancelcheck:ignore swallowedcancel <reason> on its line or the line
// above.
//
// swallowedcancel also reports malformed //cancelcheck: directives that
// concern no rule in particular: an ignore directive without a rule, or
// naming no rule, an unknown directive, an entry-point directive outside
// a function declaration's doc comment.
package swallowedcancel
