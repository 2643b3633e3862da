// Package ctxerrcompare defines an Analyzer that reports context errors
// recognised in a way that wrapping defeats.
//
// # Analyzer ctxerrcompare
//
// ctxerrcompare: report context errors tested with == or by their message
//
// A context's error rarely reaches the code that tests it as the context
// package made it: net/http returns it inside an *url.Error, database/sql
// and most libraries wrap it with %w, and a cause set with
// context.WithCancelCause replaces it. A test that compares with ==
//
//	if err == context.Canceled { // false for a wrapped cancellation
//		w.WriteHeader(499)
//		return
//	}
//
// (or !=, a switch case, err == ctx.Err()) then takes a cancelled request
// for another failure: it is logged as an error, answered 500, retried.
// So does a test of the message, strings.Contains(err.Error(), "context
// canceled"), which also matches errors that merely mention it.
//
// The analyzer reports a comparison of an error with context.Canceled,
// context.DeadlineExceeded or a context's Err() when the error may hold a
// context error inside a wrapper: it comes from a call given a
// cancellable context (directly, or through an *http.Request or a handle
// made with one), from a wrapper of such an error, or from a place the
// analysis does not see into (a parameter, a field, a channel). The
// context's own Err() compared with a sentinel is correct and silent, and
// so are errors of functions whose summaries say their context errors
// come back as the context made them. It also reports err.Error()
// compared with, or searched for, the message of a context error. Test
// files are not analysed: a test that compares with == asserts an exact
// value.
//
// The fix is errors.Is(err, context.Canceled), which sees through every
// wrapper; the suggested fix rewrites the comparison. Code is cancellable
// wherever a context flows, so the analyzer needs no entry point and
// reports in every package. Suppress a finding with
// //cancelcheck:ignore ctxerrcompare <reason> on its line or the line
// above.
package ctxerrcompare
