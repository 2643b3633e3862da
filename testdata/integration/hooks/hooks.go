// Package hooks marks its handlers with a directive of the code base's
// own, //feeds:handler: they are entry points only with
// -entrypoints=//feeds:handler (the golangci-lint plugin's entrypoints
// setting).
package hooks

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

//feeds:handler
func OnPing(t *deferred.Task) error {
	if _, err := deferred.Await(t, deferred.New[int](nil)); err != nil {
		log.Print(err)
	}
	return nil
}
