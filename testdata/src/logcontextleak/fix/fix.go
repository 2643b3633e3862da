// Package fix checks the suggested fixes: DelayCancellation around the
// shielded wait, RunAsBackgroundProcess for work that is never awaited.
package fix

import (
	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

func refresh(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.New[int](nil))
}

var cache *deferred.Observable[int]

//cancelcheck:cancellable
func OnObserved(t *deferred.Task) (int, error) {
	if cache == nil {
		cache = deferred.NewObservable(logcontext.RunInBackground(t, refresh), true) // want `only through an Observe\(\)`
	}
	return deferred.Await(t, cache.Observe())
}

//cancelcheck:cancellable
func OnStopped(t *deferred.Task) (int, error) {
	d := logcontext.RunInBackground(t, refresh) // want `only through StopCancellation`
	return deferred.Await(t, deferred.StopCancellation(d))
}

//cancelcheck:cancellable
func OnForget(t *deferred.Task) (int, error) {
	logcontext.RunInBackground(t, refresh) // want `never awaited`

	logcontext.RunInBackground[int](t, func(t *deferred.Task) (int, error) { // want `never awaited`
		return refresh(t)
	})
	return 200, nil
}

var tasks []*deferred.Task

//cancelcheck:cancellable
func OnOtherTask(t *deferred.Task) (int, error) {
	logcontext.RunInBackground(tasks[0], refresh) // want `never awaited`
	return 200, nil
}
