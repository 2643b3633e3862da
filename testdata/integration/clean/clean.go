// Package clean is correct code: cancelcheck reports nothing.
package clean

import (
	"errors"
	"fmt"
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func load(t *deferred.Task, d *deferred.Deferred[string]) (string, error) {
	v, err := deferred.Await(t, d)
	if err != nil {
		return "", fmt.Errorf("load: %w", err)
	}
	return v, nil
}

// OnGet re-raises cancellations before it handles other failures.
//
//cancelcheck:cancellable
func OnGet(t *deferred.Task, d *deferred.Deferred[string]) (string, error) {
	v, err := load(t, d)
	if err != nil {
		if errors.Is(err, deferred.ErrCancelled) {
			return "", err
		}
		log.Printf("get: %v", err)
		return "", nil
	}
	return v, nil
}
