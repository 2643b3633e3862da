package paths

import (
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// Work handed back through a WithLock-style wrapper is the caller's to
// wait for.

func locked[T any](mu *sync.Mutex, f func() T) T {
	mu.Lock()
	defer mu.Unlock()
	return f()
}

var mu sync.Mutex

//cancelcheck:cancellable
func OnLockedDropped(t *deferred.Task) (int, error) {
	locked(&mu, func() *deferred.Deferred[int] { // want `work that OnLockedDropped\.func1 starts in the request's logging context .*its Deferred is never awaited.*\(call path: OnLockedDropped\)`
		return logcontext.RunInBackground(t, refresh)
	})
	return 200, nil
}

//cancelcheck:cancellable
func OnLockedAwaited(t *deferred.Task) (int, error) {
	d := locked(&mu, func() *deferred.Deferred[int] {
		return logcontext.RunInBackground(t, refresh)
	})
	return deferred.Await(t, d)
}

// The runtime's WithLock: the same.

var lock = deferred.NewLock()

//cancelcheck:cancellable
func OnWithLock(t *deferred.Task) (int, error) {
	d := deferred.WithLock(lock, func() *deferred.Deferred[int] { return logcontext.RunInBackground(t, refresh) }) // want `work that OnWithLock\.func1 starts in the request's logging context .*the request waits for it only through StopCancellation.*\(call path: OnWithLock\)`
	return deferred.Await(t, deferred.StopCancellation(d))
}

//cancelcheck:cancellable
func OnWithLockAwaited(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.WithLock(lock, func() *deferred.Deferred[int] {
		return logcontext.RunInBackground(t, refresh)
	}))
}
