package heap

import (
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// A method value handed to a generic helper that calls it for every item,
// gathers what it returns and awaits that: the helper awaits the method's
// Deferreds, and the method hands out cached ones.

type Memo struct {
	mu sync.Mutex
	m  map[string]*deferred.Deferred[int]
}

var memo = &Memo{m: map[string]*deferred.Deferred[int]{}}

func (c *Memo) Get(id string) *deferred.Deferred[int] {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.m[id]; ok {
		return d // want `shared Deferred handed to cancellable code: loaded from map c\.m; .*\(call path: OnMemo → Memo\.Get\)`
	}
	d := deferred.Run(func(t *deferred.Task) (int, error) {
		return deferred.Await(t, deferred.New[int](nil))
	})
	c.m[id] = d
	return d // want `shared Deferred handed to cancellable code: stored in map c\.m; .*\(call path: OnMemo → Memo\.Get\)`
}

// Fresh makes a Deferred for each call: nobody else holds it.
func (c *Memo) Fresh(id string) *deferred.Deferred[int] {
	return deferred.Run(func(t *deferred.Task) (int, error) {
		return deferred.Await(t, deferred.New[int](nil))
	})
}

func FanOut[T, U any](t *deferred.Task, items []T, f func(T) *deferred.Deferred[U]) ([]U, error) {
	ds := make([]*deferred.Deferred[U], 0, len(items))
	for _, it := range items {
		ds = append(ds, f(it))
	}
	vs, err := deferred.Await(t, deferred.Gather(ds, true))
	return vs, deferred.UnwrapFirstError(err)
}

//cancelcheck:cancellable
func OnMemo(t *deferred.Task, ids []string) (int, error) {
	vs, err := FanOut(t, ids, memo.Get)
	return len(vs), err
}

//cancelcheck:cancellable
func OnFresh(t *deferred.Task, ids []string) (int, error) {
	vs, err := FanOut(t, ids, memo.Fresh)
	return len(vs), err
}

// Each waiter waits through a shield of its own: the cached Deferreds are
// never cancelled by it.
//
//cancelcheck:cancellable
func OnMemoShielded(t *deferred.Task, ids []string) (int, error) {
	vs, err := FanOut(t, ids, func(id string) *deferred.Deferred[int] {
		return deferred.StopCancellation(memo.Get(id))
	})
	return len(vs), err
}
