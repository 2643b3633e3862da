package heap

import "github.com/cancelcheck/cancelcheck/deferred"

// Limits (docs/rules/shareddeferred.md): hazards that are missed, and
// stay silent rather than be guessed at.

// A Deferred passed through a channel is not followed.

var handoff = make(chan *deferred.Deferred[int], 1)

//cancelcheck:cancellable
func OnChannel(t *deferred.Task) (int, error) {
	d := <-handoff
	handoff <- d // every receiver shares it: missed
	return deferred.Await(t, d)
}
