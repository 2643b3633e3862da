// Package fix checks the suggested fix of swallowedcancel.
package fix

import (
	"errors"
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

type Room struct{ Name string }

//cancelcheck:cancellable
func Then(t *deferred.Task) (*Room, int, error) {
	n, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function returns a nil error`
		log.Print(err)
		return nil, 0, nil
	}
	return &Room{}, n, nil
}

//cancelcheck:cancellable
func Else(t *deferred.Task) (Room, error) {
	name, err := deferred.Await(t, deferred.New[string](nil))
	if err == nil { // want `the function returns a nil error`
		return Room{Name: name}, nil
	} else {
		log.Print(err)
	}
	return Room{}, nil
}

//cancelcheck:cancellable
func Errback(t *deferred.Task, d *deferred.Deferred[string]) (string, error) {
	d.AddErrback(func(err error) (string, error) {
		log.Print(err)
		return "", nil // want `the errback returns a nil error`
	})
	return deferred.Await(t, d)
}

func generic[T any](t *deferred.Task, d *deferred.Deferred[T]) (T, error) {
	v, err := deferred.Await(t, d)
	if err != nil { // want `the function returns a nil error`
		var zero T
		return zero, nil
	}
	return v, nil
}

//cancelcheck:cancellable
func Generic(t *deferred.Task) (int, error) { return generic(t, deferred.New[int](nil)) }

// No error result: no fix.
//
//cancelcheck:cancellable
func NoError(t *deferred.Task) int {
	n, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function returns normally`
		return 0
	}
	return n
}

// errors is shadowed here: no fix.
//
//cancelcheck:cancellable
func Shadowed(t *deferred.Task, errors []string) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function returns a nil error`
		log.Print(err, errors)
	}
	return nil
}

var _ = errors.New

type task = deferred.Task

func load(t *task) (int, error) { return deferred.Await(t, deferred.New[int](nil)) }
