// Package crossapp uses crosslib: the FirstError flag crosses the package
// boundary through facts, and crosslib's problem is reported at the call.
package crossapp

import (
	"swallowedcancel/crosslib"

	fecross "firsterror/crosslib"

	"github.com/cancelcheck/cancelcheck/deferred"
)

var _ = crosslib.Load

//cancelcheck:cancellable
func OnGet(t *deferred.Task) (int, error) {
	_, err := fecross.All(t, nil)
	if _, ok := err.(*deferred.CancelledError); ok { // want `a type assertion to \*deferred.CancelledError misses a cancellation inside a wrapper; .*\*FirstError .*\(call path: OnGet\)`
		return 0, err
	}
	if _, err := fecross.All(t, nil); fecross.IsCancelled(err) { // want `crosslib.IsCancelled tests for a cancellation with == deferred.ErrCancelled \(at crosslib.go:29\), which a wrapper defeats; make it use errors.Is`
		return 0, err
	}
	if _, err := fecross.All(t, nil); fecross.Cancelled(err) {
		return 0, err
	}
	return fecross.Sum(t) // want `in crosslib.Sum at firsterror/crosslib/crosslib.go:21: fmt.Errorf with %v .*use %w: .*; to apply the suggested fix there: cancelcheck -firsterror -all -fix firsterror/crosslib \(call path: OnGet → crosslib.Sum\)`
}
