package heap

import (
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// More ordinary ways of writing the same sharing.

// An embedded cache, a lookup with a comma-ok result, a method value
// handed to a WithLock-style wrapper.

type cache struct {
	mu    sync.Mutex
	items map[string]*deferred.Deferred[int]
}

func (c *cache) lookup(k string) (*deferred.Deferred[int], bool) {
	d, ok := c.items[k]
	return d, ok // want `shared Deferred handed to cancellable code: loaded from map c\.items; .*\(call path: OnLookup → cache\.lookup\)`
}

func (c *cache) firstLocked() *deferred.Deferred[int] {
	for _, d := range c.items {
		return d // want `shared Deferred handed to cancellable code: loaded from map c\.items; .*\(call path: OnFirst → cache\.firstLocked\)`
	}
	return nil
}

type Service struct {
	*cache
	name string
}

var service = &Service{cache: &cache{items: map[string]*deferred.Deferred[int]{}}}

//cancelcheck:cancellable
func OnLookup(t *deferred.Task, k string) (int, error) {
	if d, ok := service.lookup(k); ok {
		return deferred.Await(t, d)
	}
	return 0, nil
}

//cancelcheck:cancellable
func OnFirst(t *deferred.Task) (int, error) {
	d := locked(&service.mu, service.firstLocked)
	return deferred.Await(t, d)
}

// Good: the same lookups on a cache made for this request.

//cancelcheck:cancellable
func OnOwnLookup(t *deferred.Task, k string) (int, error) {
	own := &Service{cache: &cache{items: map[string]*deferred.Deferred[int]{k: deferred.Succeed(1)}}}
	if d, ok := own.lookup(k); ok {
		return deferred.Await(t, d)
	}
	return deferred.Await(t, locked(&own.mu, own.firstLocked))
}
