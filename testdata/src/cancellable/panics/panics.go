// Package panics has a function whose analysis fails (the test makes it
// panic): it is skipped, and the rest of the package is still analysed.
package panics

import "github.com/cancelcheck/cancelcheck/deferred"

//cancelcheck:cancellable
func OnGet(t *deferred.Task) error {
	boom(t)
	return other(t)
}

// boom would be a finding: it is skipped.
func boom(t *deferred.Task) {
	_, _ = deferred.Await(t, deferred.New[int](nil))
}

func other(t *deferred.Task) error {
	if _, err := deferred.Await(t, deferred.New[int](nil)); err != nil { // want `the error from Await may be a cancellation.*\(call path: OnGet → other\)`
		return nil
	}
	return nil
}
