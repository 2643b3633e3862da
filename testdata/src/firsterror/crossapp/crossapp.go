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
	return fecross.Sum(t) // want `in crosslib.Sum at firsterror/crosslib/crosslib.go:20: fmt.Errorf with %v .*use %w: .*; to apply the suggested fix there: cancelcheck -firsterror -all -fix firsterror/crosslib \(call path: OnGet → crosslib.Sum\)`
}
