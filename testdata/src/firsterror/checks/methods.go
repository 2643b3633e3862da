package checks

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Good: an errback that unwraps the FirstError, added to the Gather
// through a method value, before the Gather is awaited.
func gatherUnwrappedByMethodValue(t *deferred.Task) error {
	g := deferred.Gather([]*deferred.Deferred[int]{deferred.New[int](nil)}, true)
	addErrback := g.AddErrback
	addErrback(func(err error) ([]int, error) {
		return nil, deferred.UnwrapFirstError(err)
	})
	_, err := deferred.Await(t, g)
	return err
}

//cancelcheck:cancellable
func OnUnwrappedByMethodValue(t *deferred.Task) error {
	if err := gatherUnwrappedByMethodValue(t); err != nil {
		if _, ok := err.(*deferred.CancelledError); ok {
			return err
		}
		log.Printf("gather failed: %v", err)
	}
	return nil
}
