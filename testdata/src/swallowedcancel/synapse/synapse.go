// Package synapse translates the CancelledError examples of Synapse's
// cancellation guide (docs/development/synapse_architecture/cancellation.md)
// to Go. Every Bad example is found; every Good and OK one stays silent.
package synapse

import (
	"errors"
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

var errValue = errors.New("value error")

// doSomething is an async function: it awaits.
func doSomething(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[struct{}](nil))
	return err
}

// checkSomething is not async: nothing below it awaits.
func checkSomething() error { return errValue }

// Bad: `except Exception: logger.info(...)` swallows the CancelledError.
//
//cancelcheck:cancellable
func Bad(t *deferred.Task) error {
	if err := doSomething(t); err != nil { // want `swallowedcancel: the error from doSomething may be a cancellation, and it is dropped; re-raise it first: if errors.Is\(err, deferred.ErrCancelled\) \{ return …, err \}: the function returns a nil error, so cancelled work carries on as if nothing had happened \(call path: Bad\)`
		log.Printf("something failed: %v", err)
	}
	return nil
}

// Good: `except CancelledError: raise` first.
//
//cancelcheck:cancellable
func Good(t *deferred.Task) error {
	if err := doSomething(t); err != nil {
		if errors.Is(err, deferred.ErrCancelled) {
			return err
		}
		log.Printf("something failed: %v", err)
	}
	return nil
}

// OK: a CancelledError won't ever be raised by checkSomething.
//
//cancelcheck:cancellable
func OK(t *deferred.Task) error {
	if err := checkSomething(); err != nil {
		log.Printf("check failed: %v", err)
	}
	return doSomething(t)
}

// GoodValueError: `except ValueError` only catches that error.
//
//cancelcheck:cancellable
func GoodValueError(t *deferred.Task) error {
	err := doSomething(t)
	if errors.Is(err, errValue) {
		log.Printf("value error: %v", err)
		return nil
	}
	return err
}
