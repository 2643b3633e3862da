// Package app has the entry points that reach lib's loaders.
package app

import (
	"shareddeferred/lib"
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
)

//cancelcheck:cancellable
func OnRoom(t *deferred.Task) (string, error) {
	return deferred.Await(t, lib.WaitForRoom("!r:matrix.org")) // want `in lib.WaitForRoom at shareddeferred/lib/lib.go:17: shared Deferred handed to cancellable code: loaded from map rooms; .*wrap it in deferred.StopCancellation \(call path: OnRoom → lib.WaitForRoom\)`
}

//cancelcheck:cancellable
func OnLoadRoom(t *deferred.Task) (string, error) {
	return lib.LoadRoom(t, "!r:matrix.org") // want `in lib.WaitForRoom at shareddeferred/lib/lib.go:17: shared Deferred handed to cancellable code: loaded from map rooms; .*wrap it in deferred.StopCancellation; to apply the suggested fix there: cancelcheck -shareddeferred -all -fix shareddeferred/lib \(call path: OnLoadRoom → lib.LoadRoom → lib.WaitForRoom\)`
}

//cancelcheck:cancellable
func OnRoomSafe(t *deferred.Task) (string, error) {
	if _, err := lib.LoadRoomSafe(t, "!r:matrix.org"); err != nil {
		return "", err
	}
	return deferred.Await(t, lib.WaitForRoomSafe("!r:matrix.org"))
}

//cancelcheck:cancellable
func OnRoomShielded(t *deferred.Task) (string, error) {
	return deferred.Await(t, deferred.DelayCancellation(lib.WaitForRoom("!r:matrix.org")))
}

// A loader of this package that hands on the library's shared Deferred.
func roomLoader(id string) *deferred.Deferred[string] {
	return lib.WaitForRoom(id)
}

//cancelcheck:cancellable
func OnHelper(t *deferred.Task) (string, error) {
	return deferred.Await(t, roomLoader("!r:matrix.org")) // want `in lib.WaitForRoom at shareddeferred/lib/lib.go:17: shared Deferred handed to cancellable code: loaded from map rooms; .*\(call path: OnHelper → roomLoader → lib.WaitForRoom\)`
}

// The library's wrapper returns what the literal returns: a Deferred
// loaded from this package's cache (Bad), or a shielded one (Good).

var (
	mu      sync.Mutex
	flights = map[string]*deferred.Deferred[string]{}
)

//cancelcheck:cancellable
func OnGuarded(t *deferred.Task) (string, error) {
	return deferred.Await(t, lib.Guarded(&mu, func() *deferred.Deferred[string] {
		return flights["k"] // want `shared Deferred handed to cancellable code: loaded from map flights; .*\(call path: OnGuarded → OnGuarded\.func1\)`
	}))
}

//cancelcheck:cancellable
func OnGuardedSafe(t *deferred.Task) (string, error) {
	d := lib.Guarded(&mu, func() *deferred.Deferred[string] {
		return deferred.StopCancellation(flights["k"])
	})
	return deferred.Await(t, d)
}

// The library's Wait awaits what it is given: this package's cache hands
// it a shared Deferred (Bad), or a shielded one (Good).

//cancelcheck:cancellable
func OnWait(t *deferred.Task) (string, error) {
	if _, err := lib.Wait(t, deferred.StopCancellation(flights["k"])); err != nil {
		return "", err
	}
	return lib.Wait(t, flights["k"]) // want `shared Deferred awaited by cancellable code, in lib\.Wait: loaded from map flights; .*\(call path: OnWait\)`
}
