// Package server keeps shared Deferreds in the fields of a long-lived
// value: methods on a *Server reached by every request.
package server

import (
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
)

type Server struct {
	inflight map[string]*deferred.Deferred[string]
	ready    *deferred.Deferred[struct{}]
	joins    map[string]*deferred.Observable[string]
}

func New() *Server {
	return &Server{
		inflight: map[string]*deferred.Deferred[string]{},
		ready:    deferred.New[struct{}](nil),
		joins:    map[string]*deferred.Observable[string]{},
	}
}

// fetch joins a fetch in flight, or starts one: every caller for the key
// waits on the same Deferred.
func (s *Server) fetch(key string) *deferred.Deferred[string] {
	d, ok := s.inflight[key]
	if !ok {
		d = deferred.New[string](nil)
		s.inflight[key] = d
	}
	return d // want `shared Deferred handed to cancellable code: loaded from map s\.inflight; .*\(call path: Server.OnGet → Server.fetch\)`
}

// Ready hands out the one Deferred in a field.
func (s *Server) Ready() *deferred.Deferred[struct{}] {
	return s.ready // want `shared Deferred handed to cancellable code: loaded from field s\.ready; .*\(call path: Server.OnGet → Server.Ready\)`
}

//cancelcheck:cancellable
func (s *Server) OnGet(t *deferred.Task) (string, error) {
	if _, err := deferred.Await(t, s.Ready()); err != nil {
		return "", err
	}
	return deferred.Await(t, s.fetch("key"))
}

// Good: the same fetch, with an Observe() per caller.
func (s *Server) fetchObserved(key string) *deferred.Deferred[string] {
	o, ok := s.joins[key]
	if !ok {
		o = deferred.NewObservable(deferred.New[string](nil), false)
		s.joins[key] = o
	}
	return o.Observe()
}

//cancelcheck:cancellable
func (s *Server) OnGetObserved(t *deferred.Task) (string, error) {
	return deferred.Await(t, s.fetchObserved("key"))
}

// Generics: a cache type whose Get hands out the cached Deferred.

type Cache[K comparable, V any] struct {
	m map[K]*deferred.Deferred[V]
}

func (c *Cache[K, V]) Get(k K) *deferred.Deferred[V] {
	return c.m[k] // want `shared Deferred handed to cancellable code: loaded from map c\.m; .*\(call path: OnCached → Cache.Get\)`
}

func (c *Cache[K, V]) GetSafe(k K) *deferred.Deferred[V] {
	return deferred.StopCancellation(c.m[k])
}

var users = &Cache[string, int]{m: map[string]*deferred.Deferred[int]{}}

//cancelcheck:cancellable
func OnCached(t *deferred.Task) (int, error) {
	if _, err := deferred.Await(t, users.GetSafe("a")); err != nil {
		return 0, err
	}
	return deferred.Await(t, users.Get("b"))
}

// Closures: a handler registered once and called for every request shares
// what it captured.

//cancelcheck:marks-cancellable
func Handle(path string, h func(t *deferred.Task) (string, error)) {}

func Register() {
	pending := map[string]*deferred.Deferred[string]{}
	Handle("/pending", func(t *deferred.Task) (string, error) {
		d, ok := pending["k"]
		if !ok {
			d = deferred.New[string](nil)
			pending["k"] = d
		}
		return deferred.Await(t, d) // want `shared Deferred awaited by cancellable code: loaded from map pending; .*\(call path: Register.func1\)`
	})
}

// Good: a closure run once per call sees this call's own map.

//cancelcheck:cancellable
func OnLocal(t *deferred.Task) (string, error) {
	local := map[string]*deferred.Deferred[string]{"k": deferred.Succeed("v")}
	get := func(k string) *deferred.Deferred[string] { return local[k] }
	return deferred.Await(t, get("k"))
}

// A sync.Map of Deferreds in a long-lived value.

type Registry struct {
	calls sync.Map // string → *deferred.Deferred[string]
}

func (r *Registry) join(key string) *deferred.Deferred[string] {
	v, _ := r.calls.LoadOrStore(key, deferred.New[string](nil))
	return v.(*deferred.Deferred[string]) // want `shared Deferred handed to cancellable code: loaded from sync\.Map r\.calls; .*\(call path: Registry\.OnJoin → Registry\.join\)`
}

//cancelcheck:cancellable
func (r *Registry) OnJoin(t *deferred.Task) (string, error) {
	return deferred.Await(t, r.join("k"))
}

// A method value keeps its receiver: the Deferred is as shared as it.

func (s *Server) peek(key string) *deferred.Deferred[string] {
	return s.inflight[key] // want `shared Deferred handed to cancellable code: loaded from map s\.inflight; .*\(call path: Server\.OnMethodValue → Server\.peek\)`
}

//cancelcheck:cancellable
func (s *Server) OnMethodValue(t *deferred.Task) (string, error) {
	peek := s.peek
	return deferred.Await(t, peek("key"))
}

// Good: a method value of a value made in this call.

//cancelcheck:cancellable
func OnOwnMethodValue(t *deferred.Task) (string, error) {
	own := &Server{inflight: map[string]*deferred.Deferred[string]{"key": deferred.Succeed("v")}}
	peek := own.peek
	return deferred.Await(t, peek("key"))
}
