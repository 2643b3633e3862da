// Package noentry has the bad code of package rooms and no entry point: it
// is silent, and found with -all.
package noentry

import "github.com/cancelcheck/cancelcheck/deferred"

var cache = map[string]*deferred.Deferred[struct{}]{}

func waitForRoom(roomID string) *deferred.Deferred[struct{}] {
	d := cache[roomID]
	if d == nil {
		d = deferred.New[struct{}](nil)
		cache[roomID] = d
	}
	return d // want `shared Deferred handed to cancellable code: loaded from map cache; .*\(call path: OnGetRoom → waitForRoom\)`
}

func OnGetRoom(t *deferred.Task) (int, error) {
	if _, err := deferred.Await(t, waitForRoom("!room:matrix.org")); err != nil {
		return 0, err
	}
	return 200, nil
}

var sessions = map[string]*deferred.Deferred[string]{}

func Session(t *deferred.Task) (string, error) {
	return deferred.Await(t, sessions["s"]) // want `shared Deferred awaited by cancellable code: loaded from map sessions; .*\(call path: Session\)`
}
