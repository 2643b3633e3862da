// Package depth puts problems one, two and three calls below the entry
// point: each finding is at the problem, with the call path that reaches
// it.
package depth

import (
	"fmt"
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// fetch passes the cancellation on.
func fetch(t *deferred.Task) (string, error) {
	return deferred.Await(t, deferred.New[string](nil))
}

// members swallows it three calls below OnGet.
func members(t *deferred.Task) []string {
	m, err := fetch(t)
	if err != nil { // want `the error from fetch may be a cancellation.*\(call path: OnPut → members\)`
		log.Printf("members: %v", err)
		return nil
	}
	return []string{m}
}

func loadMembers(t *deferred.Task) ([]string, error) {
	topic, err := fetch(t)
	if err != nil {
		return nil, fmt.Errorf("topic: %w", err)
	}
	return append(members(t), topic), nil
}

// loadRoom swallows it two calls below OnGet.
func loadRoom(t *deferred.Task) ([]string, error) {
	m, err := loadMembers(t)
	if err != nil { // want `the error from loadMembers may be a cancellation.*\(call path: OnGet → loadRoom\)`
		return []string{"nobody"}, nil
	}
	name, err := fetch(t)
	if err != nil {
		return nil, err
	}
	return append(m, name), nil
}

// OnGet swallows it in its own code, one call below itself.
//
//cancelcheck:cancellable
func OnGet(t *deferred.Task) ([]string, error) {
	room, err := loadRoom(t)
	if err != nil {
		return nil, err
	}
	extra, err := fetch(t)
	if err != nil { // want `the error from fetch may be a cancellation.*\(call path: OnGet\)`
		return room, nil
	}
	return append(room, extra), nil
}

// OnPut reaches members by a shorter path: each problem is reported once,
// with the shortest call path.
//
//cancelcheck:cancellable
func OnPut(t *deferred.Task) int {
	return len(members(t)) // members is also reached from here
}
