package deferred

import (
	"fmt"
	"sync"
)

// Semaphore limits how many callers hold it at once (Twisted's
// DeferredSemaphore): it has a number of tokens, Acquire hands back a
// Deferred that fires when the caller holds one, waiters are served in FIFO
// order, and a waiter that is cancelled leaves the queue. Use it to bound
// the concurrency of asynchronous work, such as requests to one server.
// Create one with NewSemaphore.
type Semaphore struct {
	mu      sync.Mutex
	limit   int
	tokens  int // free tokens
	waiters []*Deferred[*Semaphore]
	// handing is set while a Release hands tokens to waiters, one after
	// the other; released counts the tokens released meanwhile (by the
	// new holders' callbacks, or by other goroutines), which that loop
	// hands on too: hand-overs loop rather than nest on the stack.
	handing  bool
	released int
}

// NewSemaphore returns a Semaphore with the given number of tokens, all
// free. It panics if tokens is less than 1 (Twisted raises ValueError): a
// semaphore without tokens would never let anyone in.
func NewSemaphore(tokens int) *Semaphore {
	if tokens < 1 {
		panic(fmt.Sprintf("deferred: NewSemaphore(%d): a Semaphore needs at least 1 token", tokens))
	}
	return &Semaphore{limit: tokens, tokens: tokens}
}

// Acquire returns a Deferred that fires with s once the caller holds one of
// its tokens: at once if one is free. Cancelling it while it waits removes
// the caller from the queue and fails it with a *CancelledError; a cancel
// that races with the hand-over never loses the token. Cancelling it once it
// has fired does nothing: the caller holds the token and must Release it.
func (s *Semaphore) Acquire() *Deferred[*Semaphore] {
	s.mu.Lock()
	if s.limit == 0 {
		s.mu.Unlock()
		panic("deferred: Acquire on a Semaphore not made by NewSemaphore")
	}
	if s.tokens > 0 {
		s.tokens--
		s.mu.Unlock()
		return Succeed(s)
	}
	d := New(s.dequeue)
	s.waiters = append(s.waiters, d)
	s.mu.Unlock()
	return d
}

func (s *Semaphore) dequeue(d *Deferred[*Semaphore]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, w := range s.waiters {
		if w == d {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			return
		}
	}
}

// Release gives back a token, handing it to the first waiter if there is
// one: that waiter's callbacks run now, on this goroutine. It panics if all
// the tokens are free already: something released more than it acquired.
//
// A Release made while a hand-over is running (typically by the new
// holder's own callbacks) returns at once, and the hand-over passes the
// token on as soon as those callbacks return: however many waiters release
// in their callbacks, the stack does not grow with them. If a waiter's
// callbacks exit the goroutine (runtime.Goexit), it holds its token, and
// the tokens released meanwhile go to the next waiters on a new goroutine.
func (s *Semaphore) Release() {
	s.mu.Lock()
	if s.tokens+s.released >= s.limit {
		s.mu.Unlock()
		panic("deferred: Release of a Semaphore whose tokens are all free")
	}
	s.released++
	if s.handing {
		s.mu.Unlock()
		return
	}
	s.handing = true
	for s.released > 0 {
		if len(s.waiters) == 0 {
			s.tokens += s.released
			s.released = 0
			break
		}
		d := s.waiters[0]
		s.waiters[0] = nil
		s.waiters = s.waiters[1:]
		s.released-- // the token is d's while its callbacks run
		s.mu.Unlock()
		took := s.handTo(d)
		s.mu.Lock()
		if !took {
			// d was cancelled after it left the queue: the token is still
			// ours to hand on.
			s.released++
		}
	}
	s.handing = false
	s.mu.Unlock()
}

// handTo gives a token to the waiter d, whose callbacks run now, and
// reports whether d took it. If the goroutine exits in d's callbacks
// (runtime.Goexit), d holds the token and the hand-over ends there; the
// tokens released meanwhile are passed on by a new goroutine.
func (s *Semaphore) handTo(d *Deferred[*Semaphore]) bool {
	returned := false
	defer func() {
		if returned {
			return
		}
		s.mu.Lock()
		released := s.released
		s.handing, s.released = false, 0
		s.mu.Unlock()
		if released > 0 {
			go func() {
				for range released {
					s.Release()
				}
			}()
		}
	}()
	took := d.resolve(s, nil)
	returned = true
	return took
}

// Tokens reports how many tokens are free.
func (s *Semaphore) Tokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens
}

// Limit reports how many tokens s has in all, free or held; it never
// changes.
func (s *Semaphore) Limit() int { return s.limit }

// WithSemaphore runs f holding one of s's tokens and returns a Deferred with
// the result of the Deferred f hands back (Twisted's DeferredSemaphore.run).
// The token is released when that Deferred fires, whether it succeeds or
// fails, and also when f panics (the result fails with a *PanicError).
// Cancelling the result while it waits for a token leaves the queue, and f
// is never called; cancelling it while f's Deferred runs cancels that.
func WithSemaphore[T any](s *Semaphore, f func() *Deferred[T]) *Deferred[T] {
	return Chain(s.Acquire(), func(*Semaphore) *Deferred[T] { return runHolding(f, s.Release) })
}

// runHolding calls f, which holds a resource, and calls release once the
// Deferred f hands back has fired, or at once if f panics.
func runHolding[T any](f func() *Deferred[T], release func()) *Deferred[T] {
	d, err := callChained(nil, func(struct{}) *Deferred[T] { return f() }, struct{}{})
	if err != nil {
		release()
		return Fail[T](err)
	}
	return Then(d, func(v T) (T, error) { return v, nil }).AddBoth(func(v T, err error) (T, error) {
		release()
		return v, err
	})
}
