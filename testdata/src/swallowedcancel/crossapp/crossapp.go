// Package crossapp reaches problems in package crosslib through facts: each
// is reported at the call in this package that leads to it, naming the
// remote position.
package crossapp

import (
	"log"

	"swallowedcancel/crosslib"

	"github.com/cancelcheck/cancelcheck/deferred"
)

//cancelcheck:cancellable
func OnGet(t *deferred.Task) (string, error) {
	return crosslib.Fetch(t, deferred.New[string](nil)), nil // want `in crosslib.Fetch at swallowedcancel/crosslib/crosslib.go:15: the error from Await may be a cancellation.*return …, err \}: .*\(call path: OnGet → crosslib.Fetch\)`
}

// The same problem through a method, from a helper of this package.
//
//cancelcheck:cancellable
func OnList(t *deferred.Task) string {
	return list(t, &crosslib.Store{})
}

func list(t *deferred.Task, s *crosslib.Store) string {
	return s.Get(t) // want `in crosslib.Fetch at swallowedcancel/crosslib/crosslib.go:15: .*\(call path: OnList → list → crosslib.Store.Get → crosslib.Fetch\)`
}

// Load's error may be a cancellation: dropping it here is this package's
// problem.
//
//cancelcheck:cancellable
func OnPut(t *deferred.Task) string {
	v, err := crosslib.Load(t, deferred.New[string](nil))
	if err != nil { // want `the error from crosslib.Load may be a cancellation.*\(call path: OnPut\)`
		log.Print(err)
	}
	return v
}
