// Package firsterror defines an Analyzer that reports cancellations hidden
// behind a wrapper: tests that a *FirstError (or another wrapper) defeats,
// and wrapping that cuts a cancellation out of an error's chain.
//
// # Analyzer firsterror
//
// firsterror: report cancellation checks and wrapping that hide a cancellation
//
// Gather fails with a *FirstError that wraps the first input's error, and
// cancelling a Gather cancels every input, so a cancelled Gather fails with
// a *FirstError around a *CancelledError. errors.Is and errors.As see
// through it; err == deferred.ErrCancelled, a type assertion or a type
// switch on *deferred.CancelledError, and comparing err.Error() do not, and
// the cancellation is then handled like any other failure: Synapse's
// "FirstError(CancelledError) gets swallowed". The same happens to every
// cancellation that is formatted into a new error instead of wrapped.
//
// The analyzer reports, in code a cancellable entry point reaches:
//
//   - err == deferred.ErrCancelled or !=, on an error that may be a
//     cancellation: a cancellation is a *CancelledError, never the sentinel
//     itself, so the test is never true;
//   - a type assertion or type-switch case on *deferred.CancelledError, on
//     an error that may be a *FirstError (from Gather, directly or through
//     calls) with no deferred.UnwrapFirstError first;
//   - err.Error() compared with == or != to a message about cancellation;
//   - fmt.Errorf formatting an error that may be a cancellation with %v,
//     %s or %q instead of %w, and errors.New(err.Error()), when the new
//     error is passed on (returned, or handed to other code).
//
// A handler with a cancellation test that is wrong is reported here; one
// with no test at all is reported by swallowedcancel: each problem gives
// one finding. The suggested fixes turn == into errors.Is, unwrap the
// FirstError before a type assertion, and turn %v or %s into %w. Suppress a
// finding with //cancelcheck:ignore firsterror <reason> on its line or the
// line above. With -all, problems that no entry point reaches are reported
// too.
package firsterror
