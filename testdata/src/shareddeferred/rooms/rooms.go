// Package rooms is Synapse's "Creation of Deferreds" section translated to
// Go: a request waits until a room is ready, and every request for the same
// room would like to share one wait.
package rooms

import "github.com/cancelcheck/cancelcheck/deferred"

type none = struct{}

// Bad (Synapse): the Deferred in the cache has many waiters; all of them see
// a *CancelledError when any one of them is cancelled.

var cache = map[string]*deferred.Deferred[none]{}

func waitForRoom(roomID string) *deferred.Deferred[none] {
	d := cache[roomID]
	if d == nil {
		d = deferred.New[none](nil)
		cache[roomID] = d
	}
	return d // want `shared Deferred handed to cancellable code: loaded from map cache; .*\(call path: OnGetRoom → waitForRoom\)`
}

//cancelcheck:cancellable
func OnGetRoom(t *deferred.Task) (int, error) {
	if _, err := deferred.Await(t, waitForRoom("!aAAaaAaaaAAAaAaAA:matrix.org")); err != nil {
		return 0, err
	}
	return 200, nil
}

// Good (Synapse): the shared Deferred is never cancelled; a *CancelledError
// still comes out of the Await.

var stopCache = map[string]*deferred.Deferred[none]{}

func waitForRoomStop(roomID string) *deferred.Deferred[none] {
	d := stopCache[roomID]
	if d == nil {
		d = deferred.New[none](nil)
		stopCache[roomID] = d
	}
	return deferred.StopCancellation(d)
}

// Good (Synapse: "delay_cancellation may also be used").

var delayCache = map[string]*deferred.Deferred[none]{}

func waitForRoomDelay(roomID string) *deferred.Deferred[none] {
	d, ok := delayCache[roomID]
	if !ok {
		d = deferred.New[none](nil)
		delayCache[roomID] = d
	}
	return deferred.DelayCancellation(d)
}

// Good (Synapse): each request gets its own Deferred to wait on; the cache
// keeps the list of them so that roomReady can fire them all.

var waiters = map[string][]*deferred.Deferred[none]{}

func waitForRoomOwn(roomID string) *deferred.Deferred[none] {
	d := deferred.New[none](nil)
	waiters[roomID] = append(waiters[roomID], d)
	return d
}

func roomReady(roomID string) {
	for _, d := range waiters[roomID] {
		d.Callback(none{})
	}
	delete(waiters, roomID)
}

// Good: one source, an Observe() per caller.

var observed = map[string]*deferred.Observable[none]{}

func waitForRoomObserved(roomID string) *deferred.Deferred[none] {
	o := observed[roomID]
	if o == nil {
		o = deferred.NewObservable(deferred.New[none](nil), true)
		observed[roomID] = o
	}
	return o.Observe()
}

//cancelcheck:cancellable
func OnGetRoomGood(t *deferred.Task) (int, error) {
	roomReady("!a:matrix.org")
	for _, d := range []*deferred.Deferred[none]{
		waitForRoomStop("!a:matrix.org"),
		waitForRoomDelay("!a:matrix.org"),
		waitForRoomOwn("!a:matrix.org"),
		waitForRoomObserved("!a:matrix.org"),
	} {
		if _, err := deferred.Await(t, d); err != nil {
			return 0, err
		}
	}
	return 200, nil
}
