package lib

import (
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Guarded is a WithLock-style wrapper: it returns what f returns.
func Guarded[T any](mu *sync.Mutex, f func() T) T {
	mu.Lock()
	defer mu.Unlock()
	return f()
}

// Wait awaits the Deferred it is given.
func Wait[T any](t *deferred.Task, d *deferred.Deferred[T]) (T, error) {
	return deferred.Await(t, d)
}
