package deferred

import "sync"

// Then returns a Deferred that fires with f applied to d's value, or with
// d's error (f is not called then). A panic in f becomes a *PanicError.
// Cancelling the result cancels d. d's own chain is left as it is: Then reads
// d's result, and an error it passes on counts as handled on d.
func Then[T, U any](d *Deferred[T], f func(T) (U, error)) *Deferred[U] {
	r := newBound[U](d)
	d.observe(observerFunc[T](func(v T, err error) {
		if err != nil {
			var zero U
			r.resolve(zero, err)
			return
		}
		exiting := true
		defer settleIfExiting(r, &exiting)
		u, err := callStage1(nil, f, v)
		exiting = false
		r.resolve(u, err)
	}))
	return r
}

// settleIfExiting fails r with ErrGoexit if *exiting. Deferred around a
// wrapper's call of its function, it sees the function exit the goroutine
// (runtime.Goexit) instead of returning: the wrapper's Deferred then fails
// as a stage that exits does.
func settleIfExiting[T any](r *Deferred[T], exiting *bool) {
	if *exiting {
		var zero T
		r.settle(zero, ErrGoexit)
	}
}

// Chain returns a Deferred that, when d succeeds, calls f with its value and
// waits for the Deferred that f hands back, firing with its result: Twisted's
// callback that returns a Deferred, across types. If d fails, the result
// fails with d's error and f is not called. Cancelling the result cancels d
// while it waits on d, and f's Deferred while it waits on that.
func Chain[T, U any](d *Deferred[T], f func(T) *Deferred[U]) *Deferred[U] {
	r := newBound[U](d)
	d.observe(observerFunc[T](func(v T, err error) {
		if err != nil {
			var zero U
			r.resolve(zero, err)
			return
		}
		r.mu.Lock()
		r.waitingOn = nil // a cancel from here on waits for next
		r.mu.Unlock()
		exiting := true
		defer settleIfExiting(r, &exiting)
		next, err := callChained(nil, f, v)
		exiting = false
		if err != nil {
			var zero U
			r.resolve(zero, err)
			return
		}
		r.waitOn(next)
		next.passTo(r)
	}))
	return r
}

// StopCancellation returns a Deferred with d's result that shields d from
// cancellation (Synapse's stop_cancellation): cancelling the returned
// Deferred fails it at once with a *CancelledError and never cancels d, so
// that other waiters of d are not affected. d's result is then dropped.
func StopCancellation[T any](d *Deferred[T]) *Deferred[T] {
	r := New[T](nil)
	d.passTo(r)
	return r
}

// DelayCancellation returns a Deferred with d's result whose cancellation
// waits for d (Synapse's delay_cancellation): cancelling it does not cancel
// d; once d has fired, the returned Deferred fails with a *CancelledError.
// Use it where the caller must not go on (and its logging context must not
// finish) before the shielded work is done.
func DelayCancellation[T any](d *Deferred[T]) *Deferred[T] {
	dc := &delayed[T]{}
	r := newBound[T](dc)
	d.observe(observerFunc[T](func(v T, err error) {
		dc.mu.Lock()
		dc.fired = true
		cancelled, reason := dc.cancelled, dc.reason
		dc.mu.Unlock()
		if cancelled {
			var zero T
			v, err = zero, &CancelledError{Reason: reason}
		}
		r.resolve(v, err)
	}))
	return r
}

type delayed[T any] struct {
	mu        sync.Mutex
	fired     bool // d has fired: a cancel comes too late
	cancelled bool
	reason    string
}

func (dc *delayed[T]) cancel(reason string) bool {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if dc.fired {
		return false
	}
	if !dc.cancelled {
		dc.cancelled, dc.reason = true, reason
	}
	return true
}

// Observable lets many callers wait on one Deferred without sharing it
// (Synapse's ObservableDeferred): each Observe gets a Deferred of its own, so
// that cancelling one waiter cancels neither the source nor the others.
type Observable[T any] struct {
	mu        sync.Mutex
	done      bool
	value     T
	err       error
	observers []*Deferred[T]
}

// NewObservable returns an Observable of d. With consumeErrors, d's failure
// counts as handled on d; without, it stays unhandled on d (and is reported
// if nothing else handles it), as with Synapse's consumeErrors=False.
// Observers' own failures are theirs to handle either way.
func NewObservable[T any](d *Deferred[T], consumeErrors bool) *Observable[T] {
	o := &Observable[T]{}
	if consumeErrors {
		d.observe(o)
	} else {
		d.peek(o)
	}
	return o
}

func (o *Observable[T]) fired(v T, err error) {
	o.mu.Lock()
	o.done, o.value, o.err = true, v, err
	observers := o.observers
	o.observers = nil
	o.mu.Unlock()
	for _, r := range observers {
		r.resolve(v, err)
	}
}

// Observe returns a new Deferred that fires with the source's result: at
// once if the source has fired, else when it does, after the observers that
// came before it. Cancelling it fails it with a *CancelledError and affects
// nothing else.
func (o *Observable[T]) Observe() *Deferred[T] {
	o.mu.Lock()
	if o.done {
		v, err := o.value, o.err
		o.mu.Unlock()
		if err != nil {
			return Fail[T](err)
		}
		return Succeed(v)
	}
	r := New(o.forget)
	o.observers = append(o.observers, r)
	o.mu.Unlock()
	return r
}

// forget removes a cancelled observer, so that cancelled waiters do not pile
// up on a source that takes long.
func (o *Observable[T]) forget(r *Deferred[T]) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, x := range o.observers {
		if x == r {
			o.observers = append(o.observers[:i], o.observers[i+1:]...)
			return
		}
	}
}

// Observed reports whether the source has fired.
func (o *Observable[T]) Observed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.done
}
