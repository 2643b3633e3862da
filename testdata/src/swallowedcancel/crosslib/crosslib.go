// Package crosslib is a library with no entry point of its own: its
// problems are reported in the packages whose entry points reach them, at
// their calls into this package (and here with -all).
package crosslib

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Fetch swallows the cancellation of its Await.
func Fetch(t *deferred.Task, d *deferred.Deferred[string]) string {
	v, err := deferred.Await(t, d)
	if err != nil { // want `the error from Await may be a cancellation.*\(call path: Fetch\)`
		log.Printf("fetch: %v", err)
		return ""
	}
	return v
}

// Load passes the cancellation on: its callers must not drop it.
func Load(t *deferred.Task, d *deferred.Deferred[string]) (string, error) {
	return deferred.Await(t, d)
}

// Store is a method with the problem one call below.
type Store struct{ D *deferred.Deferred[string] }

func (s *Store) Get(t *deferred.Task) string { return Fetch(t, s.D) }

// Register marks the functions passed to it as entry points.
//
//cancelcheck:marks-cancellable
func Register(name string, h func(t *deferred.Task) error) {
	deferred.Run(func(t *deferred.Task) (struct{}, error) { return struct{}{}, h(t) })
}
