// Package paramcalls checks helpers that call a function they are given:
// they swallow a cancellation only when that function may fail with one.
package paramcalls

import (
	"log"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// retry calls f again after any failure, cancellations included.
func retry[T any](t *deferred.Task, f func() (T, error)) (T, error) {
	for {
		v, err := f()
		if err != nil { // want `the error from f may be a cancellation, and it is dropped.*\(call path: OnGet → retry\)`
			log.Printf("retrying: %v", err)
			if _, err := deferred.Await(t, deferred.Succeed(time.Second)); err != nil {
				return v, err
			}
			continue
		}
		return v, nil
	}
}

// bestEffort logs a failure and goes on.
func bestEffort(f func() error) {
	if err := f(); err != nil {
		log.Printf("best effort: %v", err)
	}
}

func fetch() *deferred.Deferred[int] { return deferred.New[int](nil) }

//cancelcheck:cancellable
func OnGet(t *deferred.Task) (int, error) {
	// A function that awaits: retry swallows its cancellation.
	return retry(t, func() (int, error) { return deferred.Await(t, fetch()) })
}

// Functions that cannot be cancelled: the same helpers are fine.
//
//cancelcheck:cancellable
func OnParse(t *deferred.Task) (int, error) {
	bestEffort(func() error { return nil })
	return retry(t, func() (int, error) { return 1, nil })
}
