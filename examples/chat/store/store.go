// Package store is the chat service's storage layer: rooms, their members,
// the members' profiles, messages and read receipts.
//
// It keeps everything in memory, but answers as a database would: every
// read and write hands back a Deferred that fires after a latency measured
// on a deferred.Clock. The server runs it on deferred.RealClock; tests run
// it on a deferredtest.Clock, which they advance by hand, so that every
// interleaving they look at is deterministic. Cancelling a Deferred before
// the query has run stops it, as a database driver would.
package store

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// ErrNotFound is what a read of something that does not exist fails with.
var ErrNotFound = errors.New("store: not found")

// A Room is a chat room.
type Room struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Topic string `json:"topic"`
}

// A Profile is what a user shows of themselves.
type Profile struct {
	UserID      string `json:"user_id"`
	DisplayName string `json:"display_name"`
}

// A Message is one message of a room. Seq numbers the messages of a room
// from 1, in the order they were sent.
type Message struct {
	Seq    int    `json:"seq"`
	Sender string `json:"sender"`
	Body   string `json:"body"`
}

// Store holds the service's data.
type Store struct {
	clock   deferred.Clock
	latency time.Duration

	mu       sync.Mutex
	rooms    map[string]Room
	members  map[string][]string // room → user IDs, in the order they joined
	profiles map[string]Profile  // user ID → profile
	messages map[string][]Message
	receipts map[string]map[string]int // room → user → last Seq read
}

// New returns an empty Store whose every operation takes latency on clock
// (deferred.RealClock if nil).
func New(clock deferred.Clock, latency time.Duration) *Store {
	return &Store{
		clock:    clock,
		latency:  latency,
		rooms:    make(map[string]Room),
		members:  make(map[string][]string),
		profiles: make(map[string]Profile),
		messages: make(map[string][]Message),
		receipts: make(map[string]map[string]int),
	}
}

// query runs f under the Store's lock once the latency has elapsed.
func query[T any](s *Store, f func() (T, error)) *deferred.Deferred[T] {
	return deferred.DeferLater(s.clock, s.latency, func() (T, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return f()
	})
}

// Room loads a room.
func (s *Store) Room(id string) *deferred.Deferred[Room] {
	return query(s, func() (Room, error) {
		r, ok := s.rooms[id]
		if !ok {
			return Room{}, fmt.Errorf("room %s: %w", id, ErrNotFound)
		}
		return r, nil
	})
}

// Members loads the user IDs of a room's members.
func (s *Store) Members(room string) *deferred.Deferred[[]string] {
	return query(s, func() ([]string, error) {
		if _, ok := s.rooms[room]; !ok {
			return nil, fmt.Errorf("room %s: %w", room, ErrNotFound)
		}
		return slices.Clone(s.members[room]), nil
	})
}

// Profile loads a user's profile.
func (s *Store) Profile(user string) *deferred.Deferred[Profile] {
	return query(s, func() (Profile, error) {
		p, ok := s.profiles[user]
		if !ok {
			return Profile{}, fmt.Errorf("profile of %s: %w", user, ErrNotFound)
		}
		return p, nil
	})
}

// Messages loads the messages of a room with a Seq above since, oldest
// first.
func (s *Store) Messages(room string, since int) *deferred.Deferred[[]Message] {
	return query(s, func() ([]Message, error) {
		if _, ok := s.rooms[room]; !ok {
			return nil, fmt.Errorf("room %s: %w", room, ErrNotFound)
		}
		ms := s.messages[room]
		i, _ := slices.BinarySearchFunc(ms, since+1, func(m Message, seq int) int { return m.Seq - seq })
		return slices.Clone(ms[i:]), nil
	})
}

// Receipts loads how far each member has read a room: user → last Seq read.
func (s *Store) Receipts(room string) *deferred.Deferred[map[string]int] {
	return query(s, func() (map[string]int, error) {
		if _, ok := s.rooms[room]; !ok {
			return nil, fmt.Errorf("room %s: %w", room, ErrNotFound)
		}
		rs := make(map[string]int, len(s.receipts[room]))
		for u, seq := range s.receipts[room] {
			rs[u] = seq
		}
		return rs, nil
	})
}

// Send appends a message to a room and returns it, numbered.
func (s *Store) Send(room, sender, body string) *deferred.Deferred[Message] {
	return query(s, func() (Message, error) {
		if _, ok := s.rooms[room]; !ok {
			return Message{}, fmt.Errorf("room %s: %w", room, ErrNotFound)
		}
		m := Message{Seq: len(s.messages[room]) + 1, Sender: sender, Body: body}
		s.messages[room] = append(s.messages[room], m)
		return m, nil
	})
}

// AddRoom creates a room, at once (for setting up).
func (s *Store) AddRoom(r Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rooms[r.ID] = r
}

// Join makes a user a member of a room, with a profile, at once (for
// setting up). An empty display name leaves the user without a profile.
func (s *Store) Join(room, user, displayName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[room] = append(s.members[room], user)
	if displayName != "" {
		s.profiles[user] = Profile{UserID: user, DisplayName: displayName}
	}
}

// Post appends a message to a room and marks it read by its sender, at once
// (for setting up).
func (s *Store) Post(room, sender, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := len(s.messages[room]) + 1
	s.messages[room] = append(s.messages[room], Message{Seq: seq, Sender: sender, Body: body})
	if s.receipts[room] == nil {
		s.receipts[room] = make(map[string]int)
	}
	s.receipts[room][sender] = seq
}

// Demo returns a Store with a few rooms, members and messages, for the
// example server and its tests.
func Demo(clock deferred.Clock, latency time.Duration) *Store {
	s := New(clock, latency)
	s.AddRoom(Room{ID: "!lobby", Name: "Lobby", Topic: "Say hello"})
	s.AddRoom(Room{ID: "!dev", Name: "Development", Topic: "cancelcheck itself"})
	s.Join("!lobby", "@alice", "Alice")
	s.Join("!lobby", "@bob", "Bob")
	s.Join("!lobby", "@carol", "") // no profile
	s.Join("!dev", "@alice", "Alice")
	s.Join("!dev", "@bob", "Bob")
	s.Post("!lobby", "@alice", "hello everyone")
	s.Post("!lobby", "@bob", "hello alice")
	s.Post("!lobby", "@alice", "who wants to review the cancellation patch")
	s.Post("!dev", "@bob", "the harness found a swallowed cancellation")
	s.Post("!dev", "@alice", "the analyzer found it first")
	return s
}
