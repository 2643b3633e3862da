// Package noentry has Synapse's bad code and no entry point: it is silent,
// and found with -all.
package noentry

import (
	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

func refresh(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.New[int](nil))
}

var cache *deferred.Observable[int]

func DoSomething(t *deferred.Task) (int, error) {
	if cache == nil {
		cache = deferred.NewObservable(logcontext.RunInBackground(t, refresh), true) // want `work started with logcontext\.RunInBackground can outlive the request and use its logging context after it is finished: the request waits for it only through an Observe\(\).*\(call path: DoSomething\)`
	}
	return deferred.Await(t, cache.Observe())
}
