package paths

import (
	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// Work kept in a field, a package variable or a map there, of which the
// package never takes a Deferred out to wait for it or hand it on: nobody
// waits for it.

type Batch struct {
	pending []*deferred.Deferred[int]
}

//cancelcheck:cancellable
func (b *Batch) OnQueue(t *deferred.Task) (int, error) {
	b.pending = append(b.pending, logcontext.RunInBackground(t, refresh)) // want `work started with logcontext.RunInBackground can outlive the request.*its Deferred is never awaited`
	return len(b.pending), nil
}

type Warmer struct {
	warming map[string]*deferred.Deferred[int]
}

//cancelcheck:cancellable
func (w *Warmer) OnWarm(t *deferred.Task, key string) (int, error) {
	w.warming[key] = logcontext.RunInBackground(t, refresh) // want `work started with logcontext.RunInBackground can outlive the request.*its Deferred is never awaited`
	return len(w.warming), nil
}

// Warming reports on the work, without waiting for it.
func (w *Warmer) Warming() map[string]bool {
	out := make(map[string]bool)
	for k, d := range w.warming {
		out[k] = d.Called()
	}
	return out
}

// Kept where the package takes it out and waits for it: silent.

type Queue struct {
	pending map[string]*deferred.Deferred[int]
}

//cancelcheck:cancellable
func (q *Queue) OnQueue(t *deferred.Task, key string) (int, error) {
	q.pending[key] = logcontext.RunInBackground(t, refresh)
	return len(q.pending), nil
}

//cancelcheck:cancellable
func (q *Queue) OnFlush(t *deferred.Task, key string) (int, error) {
	return deferred.Await(t, q.pending[key])
}
