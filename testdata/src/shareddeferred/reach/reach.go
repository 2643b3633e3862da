// Package reach writes shared Deferreds the ways other services write
// them: behind a caching decorator of an interface, forwarded through Then
// by a helper, in a field of a struct kept by value in a map, handed to
// Timeout, cancelled by hand; each beside its correct twin.
package reach

import (
	"sync"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// A loader interface and a caching decorator around it: the call through
// the interface reaches the decorator's map.

type Loader interface {
	Load(id string) *deferred.Deferred[int]
}

type backend struct{}

func (backend) Load(id string) *deferred.Deferred[int] { return deferred.Succeed(len(id)) }

type cachingLoader struct {
	next Loader
	mu   sync.Mutex
	seen map[string]*deferred.Deferred[int]
}

func (c *cachingLoader) Load(id string) *deferred.Deferred[int] {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.seen[id]; ok {
		return d // want `shared Deferred handed to cancellable code: loaded from map c\.seen; .*\(call path: OnProduct → cachingLoader\.Load\)`
	}
	d := c.next.Load(id)
	c.seen[id] = d
	return d // want `shared Deferred handed to cancellable code: stored in map c\.seen; .*\(call path: OnProduct → cachingLoader\.Load\)`
}

type Shop struct {
	products Loader
	stock    Counter
	prices   map[string]entry
	warm     *deferred.Deferred[int]
	clock    deferred.Clock
}

var shop = &Shop{
	products: &cachingLoader{next: backend{}, seen: map[string]*deferred.Deferred[int]{}},
	stock:    backend{},
	prices:   map[string]entry{},
}

//cancelcheck:cancellable
func OnProduct(t *deferred.Task, id string) (int, error) {
	return deferred.Await(t, shop.products.Load(id))
}

// Good: an interface whose only implementation makes a new Deferred.

type Counter interface {
	Load(id string) *deferred.Deferred[int]
}

//cancelcheck:cancellable
func OnStock(t *deferred.Task, id string) (int, error) {
	return deferred.Await(t, shop.stock.Load(id))
}

// Then forwarding, by a helper: what it returns passes a cancel on to its
// argument.

func double(d *deferred.Deferred[int]) *deferred.Deferred[int] {
	return deferred.Then(d, func(v int) (int, error) { return 2 * v, nil })
}

//cancelcheck:cancellable
func OnDouble(t *deferred.Task) (int, error) {
	return deferred.Await(t, double(shop.warm)) // want `shared Deferred awaited by cancellable code: loaded from field shop\.warm; .*\(call path: OnDouble\)`
}

// Good: the helper given this request's own Deferred, or a shield.

//cancelcheck:cancellable
func OnDoubleOwn(t *deferred.Task) (int, error) {
	if _, err := deferred.Await(t, double(deferred.StopCancellation(shop.warm))); err != nil {
		return 0, err
	}
	return deferred.Await(t, double(deferred.Succeed(21)))
}

// A struct kept by value in a map, its Deferred a field: the local copy
// holds the stored Deferred.

type entry struct {
	load *deferred.Deferred[int]
	at   time.Time
}

//cancelcheck:cancellable
func OnPrice(t *deferred.Task, id string) (int, error) {
	e := shop.prices[id]
	return deferred.Await(t, e.load) // want `shared Deferred awaited by cancellable code: loaded from field shop\.prices\[…\]\.load; .*\(call path: OnPrice\)`
}

// Good: entries made for this request.

//cancelcheck:cancellable
func OnOwnPrice(t *deferred.Task, id string) (int, error) {
	mine := map[string]entry{id: {load: deferred.Succeed(1)}}
	e := mine[id]
	return deferred.Await(t, e.load)
}

// Timeout cancels what it is given when the time runs out.

//cancelcheck:cancellable
func OnWarm(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.Timeout(shop.warm, time.Second, shop.clock)) // want `shared Deferred given to deferred\.Timeout: loaded from field shop\.warm; when the time runs out it is cancelled for every waiter; .*\(call path: OnWarm\)`
}

// A helper that applies the timeout: it cancels its parameter.

func within(d *deferred.Deferred[int]) *deferred.Deferred[int] {
	return deferred.Timeout(d, time.Second, nil)
}

//cancelcheck:cancellable
func OnWarmWithin(t *deferred.Task) (int, error) {
	return deferred.Await(t, within(shop.warm)) // want `shared Deferred awaited by cancellable code, in within: loaded from field shop\.warm; .*\(call path: OnWarmWithin\)`
}

// Good: the timeout on a shield.

//cancelcheck:cancellable
func OnWarmShielded(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.Timeout(deferred.StopCancellation(shop.warm), time.Second, shop.clock))
}

// Cancelled by hand, here or in a helper.

func abandon(d *deferred.Deferred[int]) { d.CancelWithReason("gave up") }

//cancelcheck:cancellable
func OnGiveUp(t *deferred.Task, id string) (int, error) {
	e := shop.prices[id]
	if e.at.IsZero() {
		e.load.Cancel() // want `shared Deferred cancelled: loaded from field shop\.prices\[…\]\.load; it fails for every waiter; .*\(call path: OnGiveUp\)`
		return 0, nil
	}
	abandon(shop.warm) // want `shared Deferred awaited by cancellable code, in abandon: loaded from field shop\.warm; .*\(call path: OnGiveUp\)`
	return 0, nil
}

// Good: cancelling this request's own work.

//cancelcheck:cancellable
func OnGiveUpOwn(t *deferred.Task) (int, error) {
	d := deferred.Run(func(t *deferred.Task) (int, error) { return 1, nil })
	d.Cancel()
	abandon(deferred.New[int](nil))
	return 0, nil
}

