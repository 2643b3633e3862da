package cache

import (
	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

func refresh(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.New[int](nil))
}

// Bad: started and never awaited.

//cancelcheck:cancellable
func OnFireAndForget(t *deferred.Task) (int, error) {
	logcontext.RunInBackground(t, refresh) // want `work started with logcontext\.RunInBackground can outlive the request and use its logging context after it is finished: its Deferred is never awaited.*\(call path: OnFireAndForget\)`
	return 200, nil
}

// Bad: awaited only through StopCancellation: a cancelled request returns
// at once while the work goes on in its logging context.

//cancelcheck:cancellable
func OnStopped(t *deferred.Task) (int, error) {
	d := logcontext.RunInBackground(t, refresh) // want `work started with logcontext\.RunInBackground can outlive the request and use its logging context after it is finished: the request waits for it only through StopCancellation.*\(call path: OnStopped\)`
	return deferred.Await(t, deferred.StopCancellation(d))
}

// Bad: the work resolves a shared Observable that the request observes.

var counts *deferred.Observable[int]

//cancelcheck:cancellable
func OnObserved(t *deferred.Task) (int, error) {
	if counts == nil {
		counts = deferred.NewObservable(logcontext.RunInBackground(t, refresh), true) // want `work started with logcontext\.RunInBackground can outlive the request and use its logging context after it is finished: the request waits for it only through an Observe\(\).*\(call path: OnObserved\)`
	}
	return deferred.Await(t, counts.Observe())
}

// Good: awaited directly: cancelling the request cancels the work.

//cancelcheck:cancellable
func OnAwaited(t *deferred.Task) (int, error) {
	return deferred.Await(t, logcontext.RunInBackground(t, refresh))
}

// Good: awaited through Gather, which broadcasts the cancel.

//cancelcheck:cancellable
func OnGathered(t *deferred.Task) (int, error) {
	a := logcontext.RunInBackground(t, refresh)
	b := logcontext.RunInBackground(t, refresh)
	vs, err := deferred.Await(t, deferred.Gather([]*deferred.Deferred[int]{a, b}, true))
	if err != nil {
		return 0, deferred.UnwrapFirstError(err)
	}
	return vs[0] + vs[1], nil
}

// Good: awaited through DelayCancellation.

//cancelcheck:cancellable
func OnDelayed(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.DelayCancellation(logcontext.RunInBackground(t, refresh)))
}

// Good: awaited through Then.

//cancelcheck:cancellable
func OnThen(t *deferred.Task) (string, error) {
	d := deferred.Then(logcontext.RunInBackground(t, refresh), func(n int) (string, error) {
		return "n", nil
	})
	return deferred.Await(t, d)
}

// One and two calls deep: a helper starts the work and returns it; the
// caller drops it (Bad) or awaits it (Good).

func startRefresh(t *deferred.Task) *deferred.Deferred[int] {
	return logcontext.RunInBackground(t, refresh)
}

func kick(t *deferred.Task) {
	startRefresh(t) // want `work that startRefresh starts in the request's logging context can outlive the request and use its logging context after it is finished: its Deferred is never awaited.*\(call path: OnDropped → kick\)`
}

//cancelcheck:cancellable
func OnDropped(t *deferred.Task) (int, error) {
	kick(t)
	return 200, nil
}

//cancelcheck:cancellable
func OnHelperAwaited(t *deferred.Task) (int, error) {
	return deferred.Await(t, startRefresh(t))
}

// Good: started on one path only, and awaited on that path.

//cancelcheck:cancellable
func OnMaybe(t *deferred.Task, warm bool) (int, error) {
	if warm {
		return 0, nil
	}
	d := logcontext.RunInBackground(t, refresh)
	return deferred.Await(t, d)
}

// Bad: awaited on one path only; the other ends the request normally.

//cancelcheck:cancellable
func OnSometimes(t *deferred.Task, wait bool) (int, error) {
	d := logcontext.RunInBackground(t, refresh) // want `work started with logcontext\.RunInBackground can outlive the request and use its logging context after it is finished: its Deferred is not awaited on every path.*\(call path: OnSometimes\)`
	if wait {
		return deferred.Await(t, d)
	}
	return 0, nil
}

// Good: started first, awaited last; a failure of the await in between
// returns the error (cancelling the request cancels that await, which is
// not the work, but the request fails rather than going on).

//cancelcheck:cancellable
func OnStartFirst(t *deferred.Task) (int, error) {
	d := logcontext.RunInBackground(t, refresh)
	n, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil {
		return 0, err
	}
	m, err := deferred.Await(t, d)
	return n + m, err
}

// Good: a helper starts the work, the caller waits for what it resolves
// with DelayCancellation.

var warm *deferred.Observable[int]

func startWarm(t *deferred.Task) {
	if warm == nil {
		warm = deferred.NewObservable(logcontext.RunInBackground(t, refresh), true)
	}
}

//cancelcheck:cancellable
func OnWarm(t *deferred.Task) (int, error) {
	startWarm(t)
	return deferred.Await(t, deferred.DelayCancellation(warm.Observe()))
}

// Good: not reached from an entry point (found with -all).

func background(t *deferred.Task) {
	logcontext.RunInBackground(t, refresh)
}
