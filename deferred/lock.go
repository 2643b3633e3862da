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

// Release releases l, handing it to the first waiter if there is one. It
// panics if l is not locked.
func (l *Lock) Release() {
	for {
		l.mu.Lock()
		if !l.locked {
			l.mu.Unlock()
			panic("deferred: Release of an unlocked Lock")
		}
		if len(l.waiters) == 0 {
			l.locked = false
			l.mu.Unlock()
			return
		}
		d := l.waiters[0]
		l.waiters[0] = nil
		l.waiters = l.waiters[1:]
		l.mu.Unlock()
		if d.resolve(l, nil) {
			return
		}
		// d was cancelled after it left the queue: the lock is still held
		// on its behalf, so pass it on.
	}
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
	return Chain(l.Acquire(), func(*Lock) *Deferred[T] {
		d, err := callChained(func(struct{}) *Deferred[T] { return f() }, struct{}{})
		if err != nil {
			l.Release()
			return Fail[T](err)
		}
		return Then(d, func(v T) (T, error) { return v, nil }).AddBoth(func(v T, err error) (T, error) {
			l.Release()
			return v, err
		})
	})
}
