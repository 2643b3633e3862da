// Package checks has cancellation tests that a wrapper defeats, and the
// right ones.
package checks

import (
	"errors"
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func gather(t *deferred.Task) ([]int, error) {
	return deferred.Await(t, deferred.Gather([]*deferred.Deferred[int]{deferred.New[int](nil)}, false))
}

func load(t *deferred.Task) (int, error) { return deferred.Await(t, deferred.New[int](nil)) }

//cancelcheck:cancellable
func Equal(t *deferred.Task) error {
	_, err := load(t)
	if err == deferred.ErrCancelled { // want `firsterror: == deferred.ErrCancelled is never true for a cancellation; .*: a cancellation is a \*CancelledError which only errors.Is matches.*\(call path: Equal\)`
		return err
	}
	if err != nil {
		return err
	}
	_, err = gather(t)
	if err != nil && err != deferred.ErrCancelled { // want `!= deferred.ErrCancelled is never true for a cancellation; .*: a cancellation is a \*CancelledError, here maybe inside a \*FirstError from Gather`
		log.Print(err)
		return nil
	}
	return err
}

//cancelcheck:cancellable
func Switch(t *deferred.Task) (int, error) {
	_, err := gather(t)
	switch e := err.(type) {
	case nil:
		return 1, nil
	case *deferred.CancelledError: // want `a type assertion to \*deferred.CancelledError misses a cancellation inside a wrapper; .*\*FirstError`
		return 0, e
	default:
		log.Print(e)
		return 0, nil
	}
}

//cancelcheck:cancellable
func Message(t *deferred.Task) error {
	_, err := load(t)
	if err != nil && err.Error() == "deferred: cancelled" { // want `comparing err.Error\(\) == "deferred: cancelled" misses wrapped cancellations; .*carries a reason`
		return err
	}
	return nil
}

// Right: errors.Is and errors.As see through every wrapper; a type
// assertion on Await's own error (no Gather) sees the *CancelledError.
//
//cancelcheck:cancellable
func Right(t *deferred.Task) error {
	_, err := gather(t)
	if errors.Is(err, deferred.ErrCancelled) {
		return err
	}
	var ce *deferred.CancelledError
	if errors.As(err, &ce) {
		return err
	}
	_, err = load(t)
	if _, ok := err.(*deferred.CancelledError); ok {
		return err
	}
	if _, err := gather(t); err != nil {
		if _, ok := deferred.UnwrapFirstError(err).(*deferred.CancelledError); ok {
			return err
		}
		var fe *deferred.FirstError
		if errors.As(err, &fe) {
			return fe.Err
		}
	}
	return nil
}

// isCancelled tests the way a wrapper defeats: the finding is at the
// call, naming the helper.
func isCancelled(err error) bool {
	return err == deferred.ErrCancelled
}

// cancelledOrTimeout is a right test, in a helper.
func cancelledOrTimeout(err error) bool {
	return errors.Is(err, deferred.ErrCancelled) || errors.Is(err, errTimeout)
}

var errTimeout = errors.New("timeout")

//cancelcheck:cancellable
func Helpers(t *deferred.Task) error {
	_, err := gather(t)
	if isCancelled(err) { // want `isCancelled tests for a cancellation with == deferred.ErrCancelled \(at checks.go:[0-9]+\), which a wrapper defeats`
		return err
	}
	if cancelledOrTimeout(err) {
		return err
	}
	return nil
}

// A message test against the sentinel's own message.
func canceled(err error) bool {
	return err != nil && err.Error() == deferred.ErrCancelled.Error()
}

//cancelcheck:cancellable
func MessageHelper(t *deferred.Task) error {
	_, err := load(t)
	if canceled(err) { // want `canceled tests for a cancellation with err.Error\(\) == deferred.ErrCancelled.Error\(\)`
		return err
	}
	return nil
}
