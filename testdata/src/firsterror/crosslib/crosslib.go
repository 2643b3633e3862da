// Package crosslib gathers: its error may be a *FirstError.
package crosslib

import (
	"errors"
	"fmt"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// All awaits a Gather.
func All(t *deferred.Task, ds []*deferred.Deferred[int]) ([]int, error) {
	return deferred.Await(t, deferred.Gather(ds, true))
}

// Sum cuts the chain: a problem of this package, reported where entry
// points of other packages reach it.
func Sum(t *deferred.Task) (int, error) {
	vs, err := All(t, nil)
	if err != nil {
		return 0, fmt.Errorf("sum: %v", err) // want `fmt.Errorf with %v`
	}
	return len(vs), nil
}

// IsCancelled is a cancellation test that a wrapper defeats; callers of
// other packages are told at their call.
func IsCancelled(err error) bool {
	return err != nil && err == deferred.ErrCancelled
}

// Cancelled is the right test.
func Cancelled(err error) bool { return errors.Is(err, deferred.ErrCancelled) }
