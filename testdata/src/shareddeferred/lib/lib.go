// Package lib is a library of loaders with no entry point of its own: its
// problems are reported in the packages whose cancellable code reaches them
// (and here only with -all).
package lib

import "github.com/cancelcheck/cancelcheck/deferred"

var rooms = map[string]*deferred.Deferred[string]{}

// WaitForRoom hands every caller the same Deferred.
func WaitForRoom(id string) *deferred.Deferred[string] {
	d, ok := rooms[id]
	if !ok {
		d = deferred.New[string](nil)
		rooms[id] = d
	}
	return d
}

// WaitForRoomSafe shields it.
func WaitForRoomSafe(id string) *deferred.Deferred[string] {
	return deferred.StopCancellation(WaitForRoom(id))
}

// LoadRoom is an async function that awaits the shared Deferred.
func LoadRoom(t *deferred.Task, id string) (string, error) {
	return deferred.Await(t, WaitForRoom(id))
}

// LoadRoomSafe awaits the shielded one.
func LoadRoomSafe(t *deferred.Task, id string) (string, error) {
	return deferred.Await(t, WaitForRoomSafe(id))
}
