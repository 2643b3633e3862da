// Package app has the entry points that reach work's background work.
package app

import (
	"logcontextleak/work"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

//cancelcheck:cancellable
func OnKick(t *deferred.Task) (int, error) {
	work.Kick(t) // want `in work\.Kick at logcontextleak/work/work\.go:21: work started with logcontext\.RunInBackground can outlive the request and use its logging context after it is finished: its Deferred is never awaited.*\(call path: OnKick → work\.Kick\)`
	return 200, nil
}

//cancelcheck:cancellable
func OnStartDropped(t *deferred.Task) (int, error) {
	work.Start(t) // want `work that work\.Start starts in the request's logging context can outlive the request and use its logging context after it is finished: its Deferred is never awaited.*\(call path: OnStartDropped\)`
	return 200, nil
}

//cancelcheck:cancellable
func OnStartAwaited(t *deferred.Task) (int, error) {
	return deferred.Await(t, work.Start(t))
}

//cancelcheck:cancellable
func OnKickSafe(t *deferred.Task) (int, error) {
	work.KickSafe()
	return 200, nil
}

// Work started by a deferred call runs as the function returns: nothing
// can await it.
//
//cancelcheck:cancellable
func OnDeferredStart(t *deferred.Task) (int, error) {
	defer work.Start(t) // want `work that the deferred work.Start starts in the request's logging context starts as the function returns and nothing can await it.*\(call path: OnDeferredStart\)`
	return 1, nil
}

// A deferred call that gives the work a context of its own is fine.
//
//cancelcheck:cancellable
func OnDeferredSafe(t *deferred.Task) (int, error) {
	defer work.KickSafe()
	return 1, nil
}

func record(t *deferred.Task) (int, error) { return 0, nil }

//cancelcheck:cancellable
func OnDeferredRun(t *deferred.Task) (int, error) {
	defer logcontext.RunInBackground(t, record) // want `work that a deferred logcontext.RunInBackground starts starts as the function returns`
	return 1, nil
}
