package rooms

import (
	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

// RoomUnshielded is Room without the shield: it hands every request the
// load in flight itself.
//
// Hazard (shareddeferred): when one of the requests waiting for a room is
// cancelled, the cancel reaches the shared load, which fails with a
// *CancelledError for every request waiting on it. cancelcheck reports the
// return in waitForRoomUnshielded; the fix is Room's StopCancellation.
func (s *Service) RoomUnshielded(t *deferred.Task, id string) (store.Room, error) {
	return deferred.Await(t, s.waitForRoomUnshielded(id))
}

func (s *Service) waitForRoomUnshielded(id string) *deferred.Deferred[store.Room] {
	return s.load(id)
}
