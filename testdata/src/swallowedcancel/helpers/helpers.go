// Package helpers checks that the functions the runtime's bounded
// concurrency helpers call are in the caller's call tree.
package helpers

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func fetch(id int) *deferred.Deferred[int] { return deferred.New[int](nil) }

// load runs in the call tree of whoever waits on GatherEach.
func load(id int) *deferred.Deferred[int] {
	return deferred.Run(func(t *deferred.Task) (int, error) {
		n, err := deferred.Await(t, fetch(id))
		if err != nil { // want `the error from Await may be a cancellation, and it is dropped.*\(call path: OnList → load → load.func1\)`
			log.Printf("fetch %d: %v", id, err)
			return 0, nil
		}
		return n, nil
	})
}

//cancelcheck:cancellable
func OnList(t *deferred.Task, ids []int) ([]int, error) {
	return deferred.Await(t, deferred.GatherEach(ids, load))
}

// The same through ConcurrentlyExecute, with a literal.
//
//cancelcheck:cancellable
func OnWarm(t *deferred.Task, ids []int) error {
	_, err := deferred.Await(t, deferred.ConcurrentlyExecute(ids, 4, func(id int) *deferred.Deferred[int] {
		return deferred.Run(func(t *deferred.Task) (int, error) {
			_, err := deferred.Await(t, fetch(id))
			if err != nil { // want `the error from Await may be a cancellation, and it is dropped.*\(call path: OnWarm → OnWarm.func1 → OnWarm.func1.1\)`
				return 0, nil
			}
			return 1, nil
		})
	}))
	return err
}

var rooms deferred.Linearizer[string]

var locks deferred.ReadWriteLock[string]

// A wait for a Linearizer's slot is a cancellable await: its error is a
// cancellation when the request is cancelled while it waits.
//
//cancelcheck:cancellable
func OnJoin(t *deferred.Task, room string) error {
	p, err := deferred.Await(t, rooms.Queue(room))
	if err != nil { // want `the error from Await may be a cancellation, and it is dropped.*\(call path: OnJoin\)`
		log.Printf("queue %s: %v", room, err)
		return nil
	}
	defer p.Release()
	w, err := deferred.Await(t, locks.Write(room))
	if err != nil {
		return err
	}
	w.Release()
	return nil
}
