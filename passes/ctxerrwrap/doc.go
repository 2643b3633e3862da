// Package ctxerrwrap defines an Analyzer that reports context errors
// passed on in a form that no longer holds them.
//
// # Analyzer ctxerrwrap
//
// ctxerrwrap: report context errors cut out of an error's chain
//
// A caller recognises a cancelled operation with
// errors.Is(err, context.Canceled), which looks for the context's error in
// the chain of wrappers that errors.Unwrap walks. An error made from it in
// a way that leaves it out of that chain hides the cancellation from every
// caller:
//
//	return fmt.Errorf("fetching %s: %v", url, err) // %v: the chain ends here
//
// and the cancelled request is answered 500 instead of 499, logged as a
// failure, retried, counted in the error rate.
//
// The analyzer reports, for an error that may be a context error (it comes
// from a call given a cancellable context, from a context's Err or
// context.Cause, or from a function whose summary says so), when the new
// error is passed on (returned, stored, sent, handed to other code; one
// that is only logged is harmless):
//
//   - fmt.Errorf formatting it with a verb other than %w;
//   - errors.New or fmt.Errorf of its message: err.Error(), fmt.Sprint(err),
//     messages built from it by concatenation or the strings functions, and
//     a slice of messages joined into one;
//   - a value of an error type made around it whose method set has neither
//     Unwrap() error, Unwrap() []error nor Is(error) bool, whatever the
//     type's name: a struct with an error field, an aggregate of several
//     errors (errs = append(errs, err); return MultiError(errs));
//   - a call of a helper whose summary says it does one of those with its
//     error parameter.
//
// errors.Join, %w, and error types with Unwrap or Is keep the error in the
// chain and are silent. The fix is %w (suggested where the format is a
// literal), errors.Join, or the missing Unwrap method. Test files are not
// analysed. Code is cancellable wherever a context flows, so the analyzer
// needs no entry point and reports in every package. Suppress a finding
// with //cancelcheck:ignore ctxerrwrap <reason> on its line or the line
// above.
package ctxerrwrap
