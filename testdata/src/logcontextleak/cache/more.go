package cache

import (
	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// Two calls below the entry point, in methods.

type Worker struct{ started bool }

func (w *Worker) start(t *deferred.Task) {
	if !w.started {
		w.started = true
		logcontext.RunInBackground(t, refresh) // want `work started with logcontext\.RunInBackground can outlive the request .*: its Deferred is never awaited; .*\(call path: OnWorker → Worker\.handle → Worker\.start\)`
	}
}

func (w *Worker) handle(t *deferred.Task) error {
	w.start(t)
	return nil
}

var worker = &Worker{}

//cancelcheck:cancellable
func OnWorker(t *deferred.Task) (int, error) {
	if err := worker.handle(t); err != nil {
		return 0, err
	}
	return 200, nil
}

// Good: work started in a loop and collected in a slice, then gathered:
// Gather passes a cancel on to every input, and the request waits.

//cancelcheck:cancellable
func OnMany(t *deferred.Task) (int, error) {
	var ds []*deferred.Deferred[int]
	for range 3 {
		ds = append(ds, logcontext.RunInBackground(t, refresh))
	}
	vs, err := deferred.Await(t, deferred.Gather(ds, true))
	if err != nil {
		return 0, deferred.UnwrapFirstError(err)
	}
	return len(vs), nil
}

// Good: a closure registered as an entry point awaits its work.

//cancelcheck:marks-cancellable
func Handle(path string, h func(t *deferred.Task) (int, error)) {}

func Register() {
	Handle("/refresh", func(t *deferred.Task) (int, error) {
		return deferred.Await(t, logcontext.RunInBackground(t, refresh))
	})
	Handle("/forget", func(t *deferred.Task) (int, error) {
		logcontext.RunInBackground(t, refresh) // want `its Deferred is never awaited; .*\(call path: Register\.func2\)`
		return 200, nil
	})
}

// Suppressed, with a reason.

//cancelcheck:cancellable
func OnIgnored(t *deferred.Task) (int, error) {
	//cancelcheck:ignore logcontextleak refresh logs nothing and counts nothing
	logcontext.RunInBackground(t, refresh)
	return 200, nil
}

// Bad: the request waits on a shared Deferred that the work resolves, not
// on the work (shareddeferred also reports the shared wait).

var pending *deferred.Deferred[int]

//cancelcheck:cancellable
func OnResolved(t *deferred.Task) (int, error) {
	if pending == nil {
		pending = deferred.New[int](nil)
		logcontext.RunInBackground(t, func(t *deferred.Task) (int, error) { // want `its Deferred is never awaited; .*\(call path: OnResolved\)`
			n, err := refresh(t)
			if err != nil {
				pending.Errback(err)
				return 0, err
			}
			pending.Callback(n)
			return n, nil
		})
	}
	return deferred.Await(t, pending)
}
