// Package work starts background work for its callers; it has no entry
// point of its own.
package work

import (
	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

func index(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.New[int](nil))
}

// Start starts the indexing and hands its Deferred to the caller.
func Start(t *deferred.Task) *deferred.Deferred[int] {
	return logcontext.RunInBackground(t, index)
}

// Kick starts the indexing and forgets it.
func Kick(t *deferred.Task) {
	logcontext.RunInBackground(t, index)
}

// KickSafe gives the indexing a logging context of its own.
func KickSafe() {
	logcontext.RunAsBackgroundProcess("index", index)
}
