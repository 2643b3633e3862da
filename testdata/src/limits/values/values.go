// Package values holds function values whose origin stays out of reach:
// every analyzer is silent on it (analyzers.TestLimits).
package values

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func fetch(t *deferred.Task) (int, error) { return deferred.Await(t, deferred.New[int](nil)) }

// Missed: a function value that comes through a channel is not followed.
//
//cancelcheck:cancellable
func OnChannel(t *deferred.Task, fs chan func(*deferred.Task) (int, error)) (int, error) {
	fs <- fetch
	f := <-fs
	n, err := f(t)
	if err != nil {
		log.Printf("fetch: %v", err)
		return 0, nil
	}
	return n, nil
}

// Missed: a map of handlers filled by another function is a map, not a
// field: its entries are not followed.
var handlers = map[string]func(*deferred.Task) (int, error){"fetch": fetch}

//cancelcheck:cancellable
func OnMap(t *deferred.Task, name string) (int, error) {
	n, err := handlers[name](t)
	if err != nil {
		log.Printf("%s: %v", name, err)
		return 0, nil
	}
	return n, nil
}
