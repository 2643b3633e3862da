// Package fix checks the suggested fixes of firsterror.
package fix

import (
	"fmt"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func gather(t *deferred.Task) ([]int, error) {
	return deferred.Await(t, deferred.Gather([]*deferred.Deferred[int]{deferred.New[int](nil)}, false))
}

//cancelcheck:cancellable
func Compare(t *deferred.Task) error {
	_, err := gather(t)
	if err == deferred.ErrCancelled { // want `== deferred.ErrCancelled is never true`
		return err
	}
	if deferred.ErrCancelled != err { // want `!= deferred.ErrCancelled is never true`
		return nil
	}
	return err
}

//cancelcheck:cancellable
func Assert(t *deferred.Task) (int, error) {
	_, err := gather(t)
	if ce, ok := err.(*deferred.CancelledError); ok { // want `a type assertion to \*deferred.CancelledError`
		return 0, ce
	}
	switch err.(type) {
	case *deferred.CancelledError: // want `a type assertion to \*deferred.CancelledError`
		return 0, err
	}
	return 1, nil
}

//cancelcheck:cancellable
func Wrap(t *deferred.Task) error {
	if _, err := gather(t); err != nil {
		return fmt.Errorf("gather %d: %v", 1, err) // want `fmt.Errorf with %v`
	}
	if _, err := gather(t); err != nil {
		return fmt.Errorf("100%% broken: %s", err) // want `fmt.Errorf with %s`
	}
	if _, err := gather(t); err != nil {
		return fmt.Errorf("gather %q", err) // want `fmt.Errorf with %q`
	}
	return nil
}
