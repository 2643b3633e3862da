package deferred

import (
	"errors"
	"fmt"
	"sync"
)

// GatherEach calls f for each item, at once, and returns a Deferred that
// fires with the values of f's Deferreds in item order once all have
// succeeded (Synapse's yieldable_gather_results): Gather with
// consumeErrors, over the Deferreds of f. It fails on the first failure
// with that failure itself, the *FirstError unwrapped, so that a
// cancellation comes back as a *CancelledError, as one would from a
// single Await; the other calls go on, their failures handled. A panic in
// f, or a nil Deferred, fails that item. Cancelling the result cancels
// every call, in item order.
func GatherEach[T, U any](items []T, f func(T) *Deferred[U]) *Deferred[[]U] {
	ds := make([]*Deferred[U], len(items))
	for i, item := range items {
		ds[i] = callItem(f, item)
	}
	g := Gather(ds, true)
	r := newBound[[]U](g)
	g.observe(observerFunc[[]U](func(vs []U, err error) {
		var fe *FirstError
		if errors.As(err, &fe) {
			err = fe.Err
		}
		r.resolve(vs, err)
	}))
	return r
}

// callItem calls f with item and returns its Deferred; a panic in f, or a
// nil Deferred, is a failed one.
func callItem[T, U any](f func(T) *Deferred[U], item T) *Deferred[U] {
	d, err := callChained(nil, f, item)
	if err != nil {
		return Fail[U](err)
	}
	return d
}

// ConcurrentlyExecute calls f for each item, in item order, with at most
// limit of the Deferreds that f hands back pending at once (Synapse's
// concurrently_execute): each time one fires, f is called for the next
// item, on the goroutine that fired it; the first limit calls are made
// now, on this goroutine. The returned Deferred fires once every item's
// Deferred has succeeded; the values are dropped.
//
// It fails fast: at the first failure (a failed Deferred, a panic in f, a
// nil Deferred), no further item is started, the pending Deferreds are
// cancelled, and then the result fails with that failure (Synapse leaves
// the other calls running and starting more). The failures of the
// cancelled ones are handled. Cancelling the result stops it the same way:
// it then fails with the first failure that follows, normally a pending
// call's *CancelledError, or with a *CancelledError if every pending call
// still succeeds.
//
// ConcurrentlyExecute panics if limit is less than 1.
func ConcurrentlyExecute[T, U any](items []T, limit int, f func(T) *Deferred[U]) *Deferred[struct{}] {
	if limit < 1 {
		panic(fmt.Sprintf("deferred: ConcurrentlyExecute with a limit of %d: at least 1 call must run", limit))
	}
	if len(items) == 0 {
		return Succeed(struct{}{})
	}
	n := min(limit, len(items))
	e := &executing[T, U]{items: items, f: f, pending: make([]*Deferred[U], n)}
	e.out = newBound[struct{}](e)
	e.workers = n
	e.slots = make([]execSlot[T, U], n) // one allocation for all observers
	for w := range e.slots {
		e.slots[w] = execSlot[T, U]{e, w}
	}
	for w := range n {
		e.work(w)
	}
	return e.out
}

// An execSlot observes the pending Deferred of worker w.
type execSlot[T, U any] struct {
	e *executing[T, U]
	w int
}

func (s *execSlot[T, U]) fired(_ U, err error) {
	e := s.e
	e.mu.Lock()
	e.pending[s.w] = nil
	e.mu.Unlock()
	if err != nil {
		e.fail(err)
	}
	e.work(s.w)
}

// executing is the state of one ConcurrentlyExecute: limit workers, each
// calling f for the next item once the Deferred of its last one has fired.
type executing[T, U any] struct {
	items []T
	f     func(T) *Deferred[U]
	out   *Deferred[struct{}]
	slots []execSlot[T, U]

	mu      sync.Mutex
	next    int            // the next item to start
	pending []*Deferred[U] // each worker's pending Deferred, or nil
	workers int            // workers not yet ended
	stopped bool           // failed or cancelled: start nothing more
	failed  bool           // out has its failure
	reason  string         // of a cancel, if stopped by one
}

// work runs worker w: it starts the next item, and again while the
// Deferreds f hands back have fired already, and ends once the items are
// all started or the run has stopped.
func (e *executing[T, U]) work(w int) {
	for {
		e.mu.Lock()
		if e.stopped || e.next == len(e.items) {
			e.workers--
			last := e.workers == 0
			e.mu.Unlock()
			if last {
				e.finish()
			}
			return
		}
		item := e.items[e.next]
		e.next++
		e.mu.Unlock()

		d := callItem(e.f, item)
		if _, err, ok := d.readNow(); ok {
			if err != nil {
				e.fail(err)
			}
			continue
		}
		e.mu.Lock()
		e.pending[w] = d
		stopped, reason := e.stopped, e.reason
		e.mu.Unlock()
		if stopped {
			d.cancel(reason) // stopped while f ran
		}
		d.observe(&e.slots[w])
		return
	}
}

// fail stops the run at its first failure: it cancels the pending
// Deferreds, then fails the result with err.
func (e *executing[T, U]) fail(err error) {
	e.mu.Lock()
	if e.failed {
		e.mu.Unlock()
		return
	}
	e.failed = true
	wasStopped := e.stopped
	e.stopped = true
	pending := e.takePendingLocked()
	e.mu.Unlock()
	if !wasStopped {
		cancelAll(pending, -1, "another call failed")
	}
	e.out.resolve(struct{}{}, err)
}

// finish fires the result once every worker has ended: with success,
// unless the run was cancelled (a failure has fired it already).
func (e *executing[T, U]) finish() {
	e.mu.Lock()
	stopped, reason := e.stopped, e.reason
	e.mu.Unlock()
	if stopped {
		e.out.resolve(struct{}{}, &CancelledError{Reason: reason})
		return
	}
	e.out.resolve(struct{}{}, nil)
}

func (e *executing[T, U]) takePendingLocked() []*Deferred[U] {
	var ds []*Deferred[U]
	for _, d := range e.pending {
		if d != nil {
			ds = append(ds, d)
		}
	}
	return ds
}

// cancel implements cancelTarget for the result: it starts nothing more
// and cancels the pending Deferreds.
func (e *executing[T, U]) cancel(reason string) bool {
	e.mu.Lock()
	if e.failed || e.workers == 0 {
		e.mu.Unlock()
		return false
	}
	if e.stopped {
		e.mu.Unlock()
		return true // a cancel in progress
	}
	e.stopped, e.reason = true, reason
	pending := e.takePendingLocked()
	e.mu.Unlock()
	cancelAll(pending, -1, reason)
	return true
}
