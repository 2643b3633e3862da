// Package cancellable defines the fact pass that the cancelcheck rules
// share: entry points, summaries of what each function does under
// cancellation, and the reporting of latent problems with their call paths.
//
// # Analyzer cancellable
//
// cancellable: summarise functions for the cancelcheck rules
//
// The cancellable pass reports nothing itself. For every package that uses
// the deferred runtime (it imports it, directly or transitively) or carries
// a //cancelcheck: directive, it builds the package's SSA form and computes,
// bottom-up, a Summary of each function: whether it suspends (awaits,
// directly or below), what its results may carry (a cancellation, a
// FirstError, a shared Deferred), which of its function parameters it runs,
// and its latent problems, each with its rule, position, reason and call
// path. Summaries are exported as facts, so that the analysis of a package
// sees those of the packages it imports. Every other package is skipped
// without building SSA.
//
// Entry points are the functions whose declaration carries
// //cancelcheck:cancellable, and every function passed as an argument to a
// function whose declaration carries //cancelcheck:marks-cancellable. The
// rules (swallowedcancel, firsterror, shareddeferred, logcontextleak)
// report the latent problems that an entry point reaches; see
// docs/analysis.md.
package cancellable
