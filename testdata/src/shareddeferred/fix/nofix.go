package fix

// This file does not import the runtime: no fix is offered here.

var rooms = map[string]*Room{}

func roomOf(roomID string) *Room {
	return rooms[roomID] // want `shared Deferred handed to cancellable code: loaded from map rooms`
}
