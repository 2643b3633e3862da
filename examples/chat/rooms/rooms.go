// Package rooms is the chat service's logic, between the HTTP handlers
// (package server) and the storage (package store): it loads rooms through
// a cache of loads in flight, lists members with their profiles, pages
// through a room's history with read receipts, and searches rooms through
// indexes that it builds in the background.
//
// The files named *_bad.go hold versions of these functions with the
// cancellation hazards of Synapse's guide, each with a comment naming the
// cancelcheck rule that reports it; package server serves them under
// /bad/ so that the analyzers and the cancel-at-every-await harness have
// something to find.
package rooms

import (
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

// Service is the chat service's logic over one Store. Its methods are
// async functions: they take the Task of the request they work for.
type Service struct {
	store *store.Store

	mu      sync.Mutex
	loading map[string]*deferred.Deferred[store.Room] // room loads in flight
	indexes map[string]*deferred.Observable[*Index]   // search indexes, built or being built
}

// New returns a Service over st.
func New(st *store.Store) *Service {
	return &Service{
		store:   st,
		loading: make(map[string]*deferred.Deferred[store.Room]),
		indexes: make(map[string]*deferred.Observable[*Index]),
	}
}

// Room loads a room. While a load of the room is in flight, other requests
// for it wait for that load instead of starting their own: the
// wait_for_room pattern of Synapse's guide.
func (s *Service) Room(t *deferred.Task, id string) (store.Room, error) {
	return deferred.Await(t, s.waitForRoom(id))
}

// waitForRoom returns a Deferred for the room that the caller may cancel.
func (s *Service) waitForRoom(id string) *deferred.Deferred[store.Room] {
	d := s.load(id)
	// d has a waiter per request. StopCancellation gives this one a
	// Deferred of its own: cancelling it stops this request's wait, and
	// neither the load nor the other requests' waits.
	return deferred.StopCancellation(d)
}

// load returns the load of room id in flight, starting it if there is
// none. The Deferred it returns is shared by every request for the room.
func (s *Service) load(id string) *deferred.Deferred[store.Room] {
	s.mu.Lock()
	d, ok := s.loading[id]
	if !ok {
		d = s.store.Room(id)
		s.loading[id] = d
	}
	s.mu.Unlock()
	if !ok {
		d.AddBoth(func(r store.Room, err error) (store.Room, error) {
			s.mu.Lock()
			if s.loading[id] == d {
				delete(s.loading, id)
			}
			s.mu.Unlock()
			return r, err
		})
	}
	return d
}

// Send sends a message to a room and indexes it in the background.
func (s *Service) Send(t *deferred.Task, room, sender, body string) (store.Message, error) {
	m, err := deferred.Await(t, s.store.Send(room, sender, body))
	if err != nil {
		return store.Message{}, err
	}
	s.IndexMessage(room, m)
	return m, nil
}
