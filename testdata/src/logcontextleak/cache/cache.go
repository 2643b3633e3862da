// Package cache is Synapse's "Uncancelled processing" section translated to
// Go: the first request starts work that fills a cache, and every request
// waits for the cache through an Observable.
package cache

import (
	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

type none = struct{}

// doSomethingElse is the work: it waits, then resolves toResolve.
func doSomethingElse(t *deferred.Task, toResolve *deferred.Deferred[none]) (none, error) {
	if _, err := deferred.Await(t, deferred.New[none](nil)); err != nil {
		toResolve.Errback(err)
		return none{}, err
	}
	toResolve.Callback(none{})
	return none{}, nil
}

// Bad (Synapse): doSomethingElse is never cancelled and can outlive the
// request's logging context: the request waits only through an Observe().

var cache *deferred.Observable[none]

func doSomething(t *deferred.Task) error {
	if cache == nil {
		toResolve := deferred.New[none](nil)
		cache = deferred.NewObservable(toResolve, true)
		logcontext.RunInBackground(t, func(t *deferred.Task) (none, error) { // want `work started with logcontext\.RunInBackground can outlive the request and use its logging context after it is finished: the request waits for it only through an Observe\(\).*\(call path: OnBad → doSomething\)`
			return doSomethingElse(t, toResolve)
		})
	}
	_, err := deferred.Await(t, cache.Observe())
	return err
}

//cancelcheck:cancellable
func OnBad(t *deferred.Task) (int, error) {
	if err := doSomething(t); err != nil {
		return 0, err
	}
	return 200, nil
}

// Good (Synapse): the request that started the work waits until it is done
// before its *CancelledError comes out.

var goodCache *deferred.Observable[none]

func doSomethingGood(t *deferred.Task) error {
	if goodCache == nil {
		toResolve := deferred.New[none](nil)
		goodCache = deferred.NewObservable(toResolve, true)
		logcontext.RunInBackground(t, func(t *deferred.Task) (none, error) {
			return doSomethingElse(t, toResolve)
		})
		_, err := deferred.Await(t, deferred.DelayCancellation(goodCache.Observe()))
		return err
	}
	_, err := deferred.Await(t, goodCache.Observe())
	return err
}

//cancelcheck:cancellable
func OnGood(t *deferred.Task) (int, error) {
	if err := doSomethingGood(t); err != nil {
		return 0, err
	}
	return 200, nil
}

// OK (Synapse): the work gets a logging context of its own.

var okCache *deferred.Observable[none]

func doSomethingOK(t *deferred.Task) error {
	if okCache == nil {
		toResolve := deferred.New[none](nil)
		okCache = deferred.NewObservable(toResolve, true)
		logcontext.RunAsBackgroundProcess("doSomethingElse", func(t *deferred.Task) (none, error) {
			return doSomethingElse(t, toResolve)
		})
	}
	_, err := deferred.Await(t, okCache.Observe())
	return err
}

//cancelcheck:cancellable
func OnOK(t *deferred.Task) (int, error) {
	if err := doSomethingOK(t); err != nil {
		return 0, err
	}
	return 200, nil
}
