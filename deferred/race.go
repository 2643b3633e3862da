package deferred

import (
	"slices"
	"sync"
)

// Race returns a Deferred that fires with the first input to succeed and its
// index, and cancels every other input, with the reason "lost the race"
// (Twisted's race): use it to take the fastest of several ways to get one
// result. The losers are cancelled before the result fires; their
// cancellations, and any failure of an input, count as handled. A loser
// whose canceller fires it with a value does not change the winner.
//
// If every input fails, Race fails with an *AllFailedError holding their
// errors in input order, which errors.Is and errors.As look into. For no
// inputs, it fails at once with an *AllFailedError holding no errors
// (Twisted's race never fires).
//
// Cancelling the result before it fires cancels every input, in order; if
// they all fail then, the *AllFailedError Is ErrCancelled. Race panics if an
// input is nil, and keeps its own copy of ds.
func Race[T any](ds []*Deferred[T]) *Deferred[Winner[T]] {
	if len(ds) == 0 {
		return Fail[Winner[T]](&AllFailedError{})
	}
	checkInputs(ds)
	r := &racing[T]{inputs: slices.Clone(ds), winner: -1, errs: make([]error, len(ds))}
	r.out = newBound[Winner[T]](r)
	for i, d := range r.inputs {
		d.observe(observerFunc[T](func(v T, err error) { r.fired(i, v, err) }))
	}
	return r.out
}

type racing[T any] struct {
	inputs []*Deferred[T]
	out    *Deferred[Winner[T]]

	mu     sync.Mutex
	winner int // -1 until an input succeeds
	errs   []error
	failed int
}

func (r *racing[T]) fired(i int, v T, err error) {
	r.mu.Lock()
	if r.winner >= 0 {
		r.mu.Unlock()
		return
	}
	if err == nil {
		r.winner = i
		r.mu.Unlock()
		cancelAll(r.inputs, i, "lost the race")
		r.out.resolve(Winner[T]{Index: i, Value: v}, nil)
		return
	}
	r.errs[i] = err
	r.failed++
	if r.failed < len(r.inputs) {
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	r.out.resolve(Winner[T]{}, &AllFailedError{Errs: r.errs})
}

// cancel cancels every input but the winner, if there is one already.
func (r *racing[T]) cancel(reason string) bool {
	r.mu.Lock()
	w := r.winner
	r.mu.Unlock()
	return cancelAll(r.inputs, w, reason)
}
