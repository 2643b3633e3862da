// Package paths starts background work and waits for it on some paths
// only: an early return on a cache hit drops it, and work kept in a wait
// list is waited for only when the list is.
package paths

import (
	"errors"
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

func refresh(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.New[int](nil))
}

type Cache struct {
	hits sync.Map // string → int
	m    map[string]int
}

// Bad: the work is started first; a hit in the sync.Map returns at once
// and leaves it running.

//cancelcheck:cancellable
func (c *Cache) OnGet(t *deferred.Task, key string) (int, error) {
	d := logcontext.RunInBackground(t, refresh) // want `its Deferred is not awaited on every path.*\(call path: Cache\.OnGet\)`
	if v, ok := c.hits.Load(key); ok {
		return v.(int), nil
	}
	return deferred.Await(t, d)
}

// Good: the lookup first, the work only on a miss.

//cancelcheck:cancellable
func (c *Cache) OnGetMiss(t *deferred.Task, key string) (int, error) {
	if v, ok := c.hits.Load(key); ok {
		return v.(int), nil
	}
	return deferred.Await(t, logcontext.RunInBackground(t, refresh))
}

// Bad, in a switch: the cached case returns without the work.

//cancelcheck:cancellable
func (c *Cache) OnSwitch(t *deferred.Task, key string) (n int, err error) {
	work := logcontext.RunInBackground(t, refresh) // want `its Deferred is not awaited on every path.*\(call path: Cache\.OnSwitch\)`
	switch v, ok := c.m[key]; {
	case ok && v > 0:
		n = v
	default:
		n, err = deferred.Await(t, work)
	}
	return n, err
}

// Bad: an early return with an error that is not a cancellation from a
// wait: the request fails and ends, the work goes on in its context.

var errEmpty = errors.New("empty key")

//cancelcheck:cancellable
func (c *Cache) OnValidate(t *deferred.Task, key string) (int, error) {
	d := logcontext.RunInBackground(t, refresh) // want `its Deferred is not awaited on every path.*\(call path: Cache\.OnValidate\)`
	if key == "" {
		return 0, errEmpty
	}
	return deferred.Await(t, d)
}

// Good: the only early return hands on the failure of a wait (the
// request is being cancelled, or failed waiting).

//cancelcheck:cancellable
func (c *Cache) OnWaitFirst(t *deferred.Task, key string) (int, error) {
	d := logcontext.RunInBackground(t, refresh)
	if _, err := deferred.Await(t, deferred.New[int](nil)); err != nil {
		return 0, err
	}
	return deferred.Await(t, d)
}

// A helper that waits for the Deferred it is given, on every path: the
// caller that hands it the work waits for it there. Dropped on the hit
// path (Bad), handed over on every path (Good).

func (c *Cache) wait(t *deferred.Task, d *deferred.Deferred[int]) (int, error) {
	v, err := deferred.Await(t, d)
	if err != nil {
		return 0, err
	}
	return v, nil
}

//cancelcheck:cancellable
func (c *Cache) OnHelper(t *deferred.Task, key string) (int, error) {
	d := logcontext.RunInBackground(t, refresh) // want `its Deferred is not awaited on every path.*\(call path: Cache\.OnHelper\)`
	if v, ok := c.m[key]; ok {
		return v, nil
	}
	return c.wait(t, d)
}

//cancelcheck:cancellable
func (c *Cache) OnHelperAlways(t *deferred.Task, key string) (int, error) {
	d := logcontext.RunInBackground(t, refresh)
	n, err := c.wait(t, d)
	if v, ok := c.m[key]; ok {
		return v, nil
	}
	return n, err
}

// A helper that starts the work and returns it: the caller drops it on
// the hit path.

func start(t *deferred.Task) *deferred.Deferred[int] {
	return logcontext.RunInBackground(t, refresh)
}

//cancelcheck:cancellable
func (c *Cache) OnStarted(t *deferred.Task, key string) (int, error) {
	pending := start(t) // want `work that start starts in the request's logging context .*its Deferred is not awaited on every path.*\(call path: Cache\.OnStarted\)`
	if v, ok := c.m[key]; ok {
		return v, nil
	}
	return deferred.Await(t, pending)
}

// Good: the failure of a wait, wrapped in an error type of the program's
// own, is still the request failing after a wait.

type lookupError struct{ err error }

func (e *lookupError) Error() string { return "lookup: " + e.err.Error() }

//cancelcheck:cancellable
func (c *Cache) OnWrapped(t *deferred.Task, key string) (int, error) {
	d := logcontext.RunInBackground(t, refresh)
	if _, err := deferred.Await(t, deferred.New[int](nil)); err != nil {
		return 0, &lookupError{err}
	}
	return deferred.Await(t, d)
}
