// Package noentry has the bad code of the other fixtures and no entry
// point: silent, except with -all.
package noentry

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func load(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	return err
}

func Handler(t *deferred.Task) error {
	if err := load(t); err != nil { // want `the error from load may be a cancellation.*\(call path: Handler\)`
		log.Print(err)
	}
	return nil
}

func Errback(d *deferred.Deferred[int]) *deferred.Deferred[int] {
	return d.AddErrback(func(err error) (int, error) {
		return 0, nil // want `the failure passed to this errback.*\(call path: Errback → Errback.func1\)`
	})
}
