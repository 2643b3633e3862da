package deferred

import (
	"slices"
	"sync"
)

// Gather returns a Deferred that fires with the values of ds, in input
// order, once all have succeeded (at once, with an empty slice, for no
// inputs): Twisted's gatherResults. It fails on the first failure with a
// *FirstError holding the input's index and error; later results are
// ignored. Cancelling it cancels every input, in order, so a cancelled
// Gather fails with a *FirstError wrapping a *CancelledError: unwrap it with
// UnwrapFirstError, or test it with errors.Is, never with ==.
//
// With consumeErrors, the inputs' failures count as handled; without, each
// stays unhandled on its input (and is reported if nothing handles it), as
// in Twisted. Gather panics if an input is nil.
func Gather[T any](ds []*Deferred[T], consumeErrors bool) *Deferred[[]T] {
	if len(ds) == 0 {
		return Succeed([]T{})
	}
	checkInputs(ds)
	ds = slices.Clone(ds) // the caller may reuse its slice
	g := &gathering[T]{inputs: ds, values: make([]T, len(ds)), left: len(ds)}
	g.out = newBound[[]T](g)
	slots := make([]gatherSlot[T], len(ds)) // one allocation for all observers
	for i, d := range ds {
		slots[i] = gatherSlot[T]{g, i}
		if consumeErrors {
			d.observe(&slots[i])
		} else {
			d.peek(&slots[i])
		}
	}
	return g.out
}

// A gatherSlot observes the input at index i.
type gatherSlot[T any] struct {
	g *gathering[T]
	i int
}

func (s *gatherSlot[T]) fired(v T, err error) { s.g.fired(s.i, v, err) }

type gathering[T any] struct {
	inputs []*Deferred[T]
	out    *Deferred[[]T]

	mu     sync.Mutex
	values []T
	left   int
	done   bool
}

func (g *gathering[T]) fired(i int, v T, err error) {
	g.mu.Lock()
	if g.done {
		g.mu.Unlock()
		return
	}
	if err != nil {
		g.done = true
		g.mu.Unlock()
		g.out.resolve(nil, &FirstError{Index: i, Err: err})
		return
	}
	g.values[i] = v
	g.left--
	if g.left > 0 {
		g.mu.Unlock()
		return
	}
	g.done = true
	g.mu.Unlock()
	g.out.resolve(g.values, nil)
}

// cancel broadcasts a cancel to every input, in order.
func (g *gathering[T]) cancel(reason string) bool {
	g.mu.Lock()
	done := g.done
	g.mu.Unlock()
	if done {
		return false
	}
	took := false
	for _, d := range g.inputs {
		if d.cancel(reason) {
			took = true
		}
	}
	return took
}
