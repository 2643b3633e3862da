// Package synapse translates the defer.gatherResults examples of Synapse's
// cancellation guide to Go: the Bad one is found, the Good one is silent.
package synapse

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func inputs() []*deferred.Deferred[int] {
	return []*deferred.Deferred[int]{deferred.New[int](nil), deferred.New[int](nil)}
}

// doSomething awaits a Gather: a cancellation comes out as
// *FirstError{Err: *CancelledError}.
func doSomething(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.Gather(inputs(), true))
	return err
}

// Bad: `except CancelledError: raise` misses FirstError(CancelledError).
//
//cancelcheck:cancellable
func Bad(t *deferred.Task) error {
	if err := doSomething(t); err != nil {
		if _, ok := err.(*deferred.CancelledError); ok { // want `firsterror: a type assertion to \*deferred.CancelledError misses a cancellation inside a wrapper; .*\*FirstError .*\(call path: Bad\)`
			return err
		}
		log.Printf("something failed: %v", err)
	}
	return nil
}

// doSomethingUnwrapped unwraps the FirstError, like Synapse's
// addErrback(unwrapFirstError).
func doSomethingUnwrapped(t *deferred.Task) error {
	d := deferred.Gather(inputs(), true).AddErrback(func(err error) ([]int, error) {
		return nil, deferred.UnwrapFirstError(err)
	})
	_, err := deferred.Await(t, d)
	return err
}

// Good: the FirstError is unwrapped before the except clauses.
//
//cancelcheck:cancellable
func Good(t *deferred.Task) error {
	if err := doSomethingUnwrapped(t); err != nil {
		if _, ok := err.(*deferred.CancelledError); ok {
			return err
		}
		log.Printf("something failed: %v", err)
	}
	return nil
}
