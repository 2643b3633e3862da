package deferred

import "sync"

// Lock is a mutual-exclusion lock for asynchronous critical sections
// (Twisted's DeferredLock): Acquire hands back a Deferred that fires when the
// caller holds the lock, waiters are served in FIFO order, and a waiter that
// is cancelled leaves the queue. The zero Lock is unlocked and ready to use.
type Lock struct {
	mu      sync.Mutex
	locked  bool
	waiters []*Deferred[*Lock]
	// handing is set while a Release hands the lock to waiters, one after
	// the other; released records that the waiter just given the lock has
	// released it (from its callbacks, or from another goroutine), so that
	// the loop passes it on: hand-overs loop rather than nest on the stack.
	handing  bool
	released bool
}

// NewLock returns an unlocked Lock.
func NewLock() *Lock { return &Lock{} }

// Acquire returns a Deferred that fires with l once the caller holds l: at
// once if l is free. Cancelling it while it waits removes the caller from
// the queue and fails it with a *CancelledError; a cancel that races with
// the hand-over never loses the lock.
func (l *Lock) Acquire() *Deferred[*Lock] {
	l.mu.Lock()
	if !l.locked {
		l.locked = true
		l.mu.Unlock()
		return Succeed(l)
	}
	d := New(l.dequeue)
	l.waiters = append(l.waiters, d)
	l.mu.Unlock()
	return d
}

func (l *Lock) dequeue(d *Deferred[*Lock]) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, w := range l.waiters {
		if w == d {
			l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
			return
		}
	}
}

// Release releases l, handing it to the first waiter if there is one: that
// waiter's callbacks run now, on this goroutine. It panics if l is not
// locked.
//
// A Release made while a hand-over is running (typically by the new
// holder's own callbacks) returns at once, and the hand-over passes the
// lock on as soon as those callbacks return: however many waiters release
// in their callbacks, the stack does not grow with them. If a waiter's
// callbacks exit the goroutine (runtime.Goexit), it holds the lock; if it
// released it first, the next waiters get it on a new goroutine.
func (l *Lock) Release() {
	l.mu.Lock()
	if !l.locked || l.released {
		l.mu.Unlock()
		panic("deferred: Release of an unlocked Lock")
	}
	if l.handing {
		l.released = true
		l.mu.Unlock()
		return
	}
	l.handing = true
	for {
		if len(l.waiters) == 0 {
			l.locked = false
			break
		}
		d := l.waiters[0]
		l.waiters[0] = nil
		l.waiters = l.waiters[1:]
		l.mu.Unlock()
		took := l.handTo(d)
		l.mu.Lock()
		if took && !l.released {
			break // d holds the lock
		}
		// d has released it already, or was cancelled after it left the
		// queue (the lock was still held on its behalf): pass it on.
		l.released = false
	}
	l.handing = false
	l.mu.Unlock()
}

// handTo gives l to the waiter d, whose callbacks run now, and reports
// whether d took it. If the goroutine exits in d's callbacks
// (runtime.Goexit), d holds l and the hand-over ends there; if d released
// l first, a new goroutine passes it on.
func (l *Lock) handTo(d *Deferred[*Lock]) bool {
	returned := false
	defer func() {
		if returned {
			return
		}
		l.mu.Lock()
		released := l.released
		l.handing, l.released = false, false
		l.mu.Unlock()
		if released {
			go l.Release()
		}
	}()
	took := d.resolve(l, nil)
	returned = true
	return took
}

// Locked reports whether l is held.
func (l *Lock) Locked() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.locked
}

// WithLock runs f holding l and returns a Deferred with the result of the
// Deferred f hands back (Twisted's DeferredLock.run). l is released when that
// Deferred fires, whether it succeeds or fails, and also when f panics (the
// result fails with a *PanicError) or the wait for the lock is cancelled.
func WithLock[T any](l *Lock, f func() *Deferred[T]) *Deferred[T] {
	return Chain(l.Acquire(), func(*Lock) *Deferred[T] { return runHolding(f, l.Release) })
}
