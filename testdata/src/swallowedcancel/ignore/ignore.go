// Package ignore suppresses findings with //cancelcheck:ignore.
package ignore

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

//cancelcheck:cancellable
func OnGet(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	//cancelcheck:ignore swallowedcancel the cache refresh is best effort
	if err != nil {
		log.Print(err)
	}
	_, err = deferred.Await(t, deferred.New[int](nil))
	if err != nil { //cancelcheck:ignore swallowedcancel same line works too
		log.Print(err)
	}
	_, err = deferred.Await(t, deferred.New[int](nil))
	//cancelcheck:ignore firsterror another rule's directive does not apply
	if err != nil { // want `the error from Await may be a cancellation`
		log.Print(err)
	}
	_, err = deferred.Await(t, deferred.New[int](nil))
	/* // want `//cancelcheck:ignore swallowedcancel needs a reason` */ //cancelcheck:ignore swallowedcancel
	if err != nil {                                                     // want `the error from Await may be a cancellation`
		log.Print(err)
	}
	return nil
}
