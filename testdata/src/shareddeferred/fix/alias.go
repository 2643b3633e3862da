package fix

import d "github.com/cancelcheck/cancelcheck/deferred"

var aliased = map[string]*d.Deferred[struct{}]{}

func waitForRoomAliased(roomID string) *d.Deferred[struct{}] {
	return aliased[roomID] // want `shared Deferred handed to cancellable code: loaded from map aliased`
}
