// Package fix checks the suggested fixes: the shared Deferred is wrapped
// in deferred.StopCancellation where it is handed out.
package fix

import "github.com/cancelcheck/cancelcheck/deferred"

// Room is a shared wait, named for the file without the runtime import.
type Room = deferred.Deferred[struct{}]

var cache = map[string]*deferred.Deferred[struct{}]{}

func waitForRoom(roomID string) *deferred.Deferred[struct{}] {
	d := cache[roomID]
	if d == nil {
		d = deferred.New[struct{}](nil)
		cache[roomID] = d
	}
	return d // want `shared Deferred handed to cancellable code: loaded from map cache`
}

var sessions = map[string]*deferred.Deferred[string]{}

//cancelcheck:cancellable
func OnGetRoom(t *deferred.Task) (string, error) {
	if _, err := deferred.Await(t, waitForRoom("!r:matrix.org")); err != nil {
		return "", err
	}
	if _, err := deferred.Await(t, waitForRoomAliased("!r:matrix.org")); err != nil {
		return "", err
	}
	if _, err := deferred.Await(t, roomOf("!r:matrix.org")); err != nil {
		return "", err
	}
	return deferred.Await(t, sessions["s"]) // want `shared Deferred awaited by cancellable code: loaded from map sessions`
}
