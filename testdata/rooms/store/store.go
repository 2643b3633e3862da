// Package store loads rooms. It has no entry point of its own: its
// problems are reported where package api's handlers reach them.
package store

import (
	"fmt"
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Store holds the in-flight loads.
type Store struct {
	Topic   func(room string) *deferred.Deferred[string]
	Members func(room string) *deferred.Deferred[[]string]
}

// Topic returns a room's topic, or "" if it cannot be loaded: it
// swallows a cancellation.
func (s *Store) RoomTopic(t *deferred.Task, room string) string {
	topic, err := deferred.Await(t, s.Topic(room))
	if err != nil {
		log.Printf("topic of %s: %v", room, err)
		return ""
	}
	return topic
}

// Members loads the members of several rooms at once.
func (s *Store) RoomMembers(t *deferred.Task, rooms []string) ([]string, error) {
	var ds []*deferred.Deferred[[]string]
	for _, r := range rooms {
		ds = append(ds, s.Members(r))
	}
	lists, err := deferred.Await(t, deferred.Gather(ds, true))
	if err != nil {
		return nil, fmt.Errorf("members of %v: %w", rooms, err)
	}
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	return all, nil
}

// RoomName loads a room's name, and cuts a cancellation out of its error.
func (s *Store) RoomName(t *deferred.Task, room string) (string, error) {
	name, err := deferred.Await(t, s.Topic(room))
	if err != nil {
		return "", fmt.Errorf("name of %s: %v", room, err)
	}
	return name, nil
}
