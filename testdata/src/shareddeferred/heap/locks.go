package heap

import (
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// WithLock-style wrappers: a helper returns what its function argument
// returns, and the argument hands out a shared Deferred.

// A generic helper of this package, with sync.Mutex.
func locked[T any](mu *sync.Mutex, f func() T) T {
	mu.Lock()
	defer mu.Unlock()
	return f()
}

type Sessions struct {
	mu   sync.Mutex
	open map[string]*deferred.Deferred[string]
	lock *deferred.Lock
}

func (s *Sessions) get(id string) *deferred.Deferred[string] {
	return locked(&s.mu, func() *deferred.Deferred[string] {
		return s.open[id] // want `shared Deferred handed to cancellable code: loaded from map s\.open; .*\(call path: Sessions\.OnSession → Sessions\.get → Sessions\.get\.func1\)`
	})
}

//cancelcheck:cancellable
func (s *Sessions) OnSession(t *deferred.Task, id string) (string, error) {
	return deferred.Await(t, s.get(id))
}

// The runtime's WithLock: its result waits for the Deferred that the
// function hands back, and a cancel reaches it.

//cancelcheck:cancellable
func (s *Sessions) OnLockedSession(t *deferred.Task, id string) (string, error) {
	d := deferred.WithLock(s.lock, func() *deferred.Deferred[string] {
		return s.open[id] // want `shared Deferred handed to cancellable code: loaded from map s\.open; .*\(call path: Sessions\.OnLockedSession → Sessions\.OnLockedSession\.func1\)`
	})
	return deferred.Await(t, d)
}

// A wrapper built on Chain: the same.

func serialised[T any](l *deferred.Lock, f func() *deferred.Deferred[T]) *deferred.Deferred[T] {
	return deferred.Chain(l.Acquire(), func(l *deferred.Lock) *deferred.Deferred[T] {
		defer l.Release()
		return f()
	})
}

func (s *Sessions) getSerialised(id string) *deferred.Deferred[string] {
	return serialised(s.lock, func() *deferred.Deferred[string] { return s.open[id] }) // want `shared Deferred handed to cancellable code: loaded from map s\.open; .*\(call path: Sessions\.OnSerialised → Sessions\.getSerialised → Sessions\.getSerialised\.func1\)`
}

//cancelcheck:cancellable
func (s *Sessions) OnSerialised(t *deferred.Task, id string) (string, error) {
	return deferred.Await(t, s.getSerialised(id))
}

// Good: the wrapper's function shields what it hands back, or makes a
// Deferred of its own.

func (s *Sessions) getSafe(id string) *deferred.Deferred[string] {
	return locked(&s.mu, func() *deferred.Deferred[string] {
		return deferred.StopCancellation(s.open[id])
	})
}

//cancelcheck:cancellable
func (s *Sessions) OnSessionSafe(t *deferred.Task, id string) (string, error) {
	if _, err := deferred.Await(t, s.getSafe(id)); err != nil {
		return "", err
	}
	fresh := serialised(s.lock, func() *deferred.Deferred[string] { return deferred.New[string](nil) })
	return deferred.Await(t, fresh)
}

// Good: the same wrapper on Sessions made for this request: what the
// literal captured is this call's own.

//cancelcheck:cancellable
func OnOwnSessions(t *deferred.Task, id string) (string, error) {
	own := &Sessions{open: map[string]*deferred.Deferred[string]{id: deferred.Succeed("v")}}
	return deferred.Await(t, own.get(id))
}
