// Package unseen holds calls given the Task whose callee is out of sight:
// an interface implemented only by importers, function values from a
// channel or a map. They may await, so their errors may be cancellations.
package unseen

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Loader is implemented only in packages that import this one: no
// implementation is in sight here, so a call through it is not a source.
type Loader interface {
	Load(t *deferred.Task) (int, error)
}

// If an importer's Load awaits, this swallows its cancellation.
//
//cancelcheck:cancellable
func OnGet(t *deferred.Task, l Loader) (int, error) {
	n, err := l.Load(t)
	if err != nil { // want `the error from Loader.Load may be a cancellation, and it is dropped`
		log.Printf("load: %v", err)
		return 0, nil
	}
	return n, nil
}

func fetch(t *deferred.Task) (int, error) { return deferred.Await(t, deferred.New[int](nil)) }

// A function value that comes through a channel: not followed, but given
// the Task.
//
//cancelcheck:cancellable
func OnChannel(t *deferred.Task, fs chan func(*deferred.Task) (int, error)) (int, error) {
	fs <- fetch
	f := <-fs
	n, err := f(t)
	if err != nil { // want `the error from a function value may be a cancellation, and it is dropped`
		log.Printf("fetch: %v", err)
		return 0, nil
	}
	return n, nil
}

// A map of handlers, filled only here: its entries are what a lookup may
// call (the channel's are not followed).
var handlers = map[string]func(*deferred.Task) (int, error){"fetch": fetch}

//cancelcheck:cancellable
func OnMap(t *deferred.Task, name string) (int, error) {
	n, err := handlers[name](t)
	if err != nil { // want `the error from fetch may be a cancellation, and it is dropped`
		log.Printf("%s: %v", name, err)
		return 0, nil
	}
	return n, nil
}
