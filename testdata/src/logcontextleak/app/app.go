// Package app has the entry points that reach work's background work.
package app

import (
	"logcontextleak/work"

	"github.com/cancelcheck/cancelcheck/deferred"
)

//cancelcheck:cancellable
func OnKick(t *deferred.Task) (int, error) {
	work.Kick(t) // want `in work\.Kick at logcontextleak/work/work\.go:21: work started with logcontext\.RunInBackground can outlive the request and use its logging context after it is finished: its Deferred is never awaited.*\(call path: OnKick → work\.Kick\)`
	return 200, nil
}

//cancelcheck:cancellable
func OnStartDropped(t *deferred.Task) (int, error) {
	work.Start(t) // want `work that work\.Start starts with logcontext\.RunInBackground can outlive the request and use its logging context after it is finished: its Deferred is never awaited.*\(call path: OnStartDropped\)`
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
