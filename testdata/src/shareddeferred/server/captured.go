package server

import (
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// A receiver captured by a function literal: Go keeps it in a variable of
// its own (SSA spills it to the heap), which is still the caller's value.
// The loads in flight of examples/chat/rooms: a clean-up callback removes
// the load from the map when it fires.

type Loader struct {
	mu      sync.Mutex
	loading map[string]*deferred.Deferred[string]
}

func (l *Loader) load(id string) *deferred.Deferred[string] {
	l.mu.Lock()
	d, ok := l.loading[id]
	if !ok {
		d = deferred.New[string](nil)
		l.loading[id] = d
	}
	l.mu.Unlock()
	if !ok {
		d.AddBoth(func(v string, err error) (string, error) {
			l.mu.Lock()
			if l.loading[id] == d {
				delete(l.loading, id)
			}
			l.mu.Unlock()
			return v, err
		})
	}
	return d // want `shared Deferred handed to cancellable code: loaded from map l\.loading; .*\(call path: Loader\.OnLoad → Loader\.wait → Loader\.load\)`
}

func (l *Loader) wait(id string) *deferred.Deferred[string] {
	return l.load(id)
}

//cancelcheck:cancellable
func (l *Loader) OnLoad(t *deferred.Task) (string, error) {
	return deferred.Await(t, l.wait("id"))
}

// The same with a literal that captures the receiver and is never run.

func (l *Loader) peekCaptured(id string) *deferred.Deferred[string] {
	forget := func() { delete(l.loading, id) }
	_ = forget
	return l.loading[id] // want `shared Deferred handed to cancellable code: loaded from map l\.loading; .*\(call path: Loader\.OnPeekCaptured → Loader\.peekCaptured\)`
}

//cancelcheck:cancellable
func (l *Loader) OnPeekCaptured(t *deferred.Task) (string, error) {
	return deferred.Await(t, l.peekCaptured("id"))
}

// A captured parameter that the function reassigns to a value of its own
// is not shared.

func ownCaptured(l *Loader) *deferred.Deferred[string] {
	l = &Loader{loading: map[string]*deferred.Deferred[string]{"id": deferred.Succeed("v")}}
	forget := func() { delete(l.loading, "id") }
	_ = forget
	return l.loading["id"]
}

//cancelcheck:cancellable
func OnOwnCaptured(t *deferred.Task) (string, error) {
	return deferred.Await(t, ownCaptured(nil))
}
