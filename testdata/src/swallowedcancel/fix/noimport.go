package fix

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

//cancelcheck:cancellable
func NoImport(t *deferred.Task) error {
	if _, err := deferred.Await(t, deferred.New[int](nil)); err != nil { // want `the function returns a nil error`
		log.Print(err)
	}
	return nil
}
