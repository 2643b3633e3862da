// Package entrypoints is a code base that marks its handlers with
// directives of its own, given to -entrypoints=//api:handler,//rpc:cancellable.
package entrypoints

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

//api:handler
func OnGet(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the error from Await may be a cancellation.*\(call path: OnGet\)`
		log.Print(err)
	}
	return nil
}

// What follows the directive on its line does not matter.
//
//rpc:cancellable GET /rooms
func OnList(t *deferred.Task) error {
	return fetch(t)
}

func fetch(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the error from Await may be a cancellation.*\(call path: OnList → fetch\)`
		log.Print(err)
	}
	return nil
}

// Another directive that begins like one of them marks nothing.
//
//api:handlers
func NotAnEntryPoint(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil {
		log.Print(err)
	}
	return nil
}

// Nor does the directive outside a function's doc comment.
func NotAnEntryPointEither(t *deferred.Task) error {
	//api:handler
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil {
		log.Print(err)
	}
	return nil
}
