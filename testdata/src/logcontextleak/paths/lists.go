package paths

import (
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// Wait lists: a Deferred appended to a list counts as awaited only when
// the list is awaited, by Gather or by a loop that awaits its elements.

// Bad: appended and never awaited.

//cancelcheck:cancellable
func OnCollect(t *deferred.Task, n int) (int, error) {
	var pending []*deferred.Deferred[int]
	for range n {
		pending = append(pending, logcontext.RunInBackground(t, refresh)) // want `its Deferred is never awaited.*\(call path: OnCollect\)`
	}
	return len(pending), nil
}

// Good: the list gathered.

//cancelcheck:cancellable
func OnGatherList(t *deferred.Task, n int) (int, error) {
	pending := make([]*deferred.Deferred[int], 0, n)
	for range n {
		pending = append(pending, logcontext.RunInBackground(t, refresh))
	}
	vs, err := deferred.Await(t, deferred.Gather(pending, true))
	return len(vs), deferred.UnwrapFirstError(err)
}

// Good: a loop awaits every element, indexed or ranged.

//cancelcheck:cancellable
func OnAwaitEach(t *deferred.Task, n int) (int, error) {
	ds := make([]*deferred.Deferred[int], n)
	for i := range ds {
		ds[i] = logcontext.RunInBackground(t, refresh)
	}
	sum := 0
	for _, d := range ds {
		v, err := deferred.Await(t, d)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

//cancelcheck:cancellable
func OnAwaitIndexed(t *deferred.Task) (int, error) {
	ds := []*deferred.Deferred[int]{
		logcontext.RunInBackground(t, refresh),
		logcontext.RunInBackground(t, refresh),
	}
	sum := 0
	for i := 0; i < len(ds); i++ {
		v, err := deferred.Await(t, ds[i])
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// Bad: the loop skips all but the first element.

//cancelcheck:cancellable
func OnAwaitFirst(t *deferred.Task) (int, error) {
	var ds []*deferred.Deferred[int]
	ds = append(ds,
		logcontext.RunInBackground(t, refresh), // want `its Deferred is not awaited on every path.*\(call path: OnAwaitFirst\)`
		logcontext.RunInBackground(t, refresh), // want `its Deferred is not awaited on every path.*\(call path: OnAwaitFirst\)`
	)
	for i, d := range ds {
		if i > 0 {
			continue
		}
		if _, err := deferred.Await(t, d); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// Bad: a list of waits kept in a local variable that a closure captures
// is waited for only through StopCancellation.

//cancelcheck:cancellable
func OnShielded(t *deferred.Task) (int, error) {
	var mu sync.Mutex
	var ds []*deferred.Deferred[int]
	add := func() {
		mu.Lock()
		defer mu.Unlock()
	}
	add()
	ds = append(ds, logcontext.RunInBackground(t, refresh)) // want `the request waits for it only through StopCancellation.*\(call path: OnShielded\)`
	vs, err := deferred.Await(t, deferred.StopCancellation(deferred.Gather(ds, true)))
	return len(vs), err
}

// A helper that gathers the list it is given, on every path: handing it
// the list waits for the work.

func awaitAll(t *deferred.Task, ds []*deferred.Deferred[int]) (int, error) {
	vs, err := deferred.Await(t, deferred.Gather(ds, true))
	return len(vs), deferred.UnwrapFirstError(err)
}

//cancelcheck:cancellable
func OnHelperList(t *deferred.Task, skip bool) (int, error) {
	ds := []*deferred.Deferred[int]{logcontext.RunInBackground(t, refresh)} // want `its Deferred is not awaited on every path.*\(call path: OnHelperList\)`
	if skip {
		return 0, nil
	}
	return awaitAll(t, ds)
}

//cancelcheck:cancellable
func OnHelperListAlways(t *deferred.Task) (int, error) {
	ds := []*deferred.Deferred[int]{logcontext.RunInBackground(t, refresh)}
	return awaitAll(t, ds)
}

// Bad: the loop returns with the first element's value; the others are
// left running.

//cancelcheck:cancellable
func OnFirstOnly(t *deferred.Task) (int, error) {
	ds := []*deferred.Deferred[int]{
		logcontext.RunInBackground(t, refresh), // want `its Deferred is not awaited on every path.*\(call path: OnFirstOnly\)`
		logcontext.RunInBackground(t, refresh), // want `its Deferred is not awaited on every path.*\(call path: OnFirstOnly\)`
	}
	for _, d := range ds {
		return deferred.Await(t, d)
	}
	return 0, nil
}
