package deferred

import (
	"context"
	"errors"
	"sync"
)

// Go runs f on a new goroutine and returns a Deferred for its result
// (Twisted's deferToThread): the way for Deferred code to call blocking,
// context-aware Go code (net/http, database/sql, errgroup) without holding
// up the goroutine that fires its Deferreds. The Deferred fires on f's
// goroutine once f returns, so its callbacks, and an async function that
// awaits it, run there.
//
// f's context carries ctx's values and is done when ctx is, and when the
// returned Deferred is cancelled (with a *CancelledError as its cause).
// Cancelling the Deferred does not abandon f: the Deferred fires once f has
// returned, so that the caller never goes on while f still works for it.
// If f fails once its context is done, the Deferred fails with a
// *CancelledError whose Cause is f's error (so errors.Is finds both the
// cancellation and, say, context.Canceled); if f succeeds anyway, its
// value stands. A panic in f fails the Deferred with a *PanicError. If f
// exits its goroutine (runtime.Goexit), the Deferred fails with ErrGoexit;
// its stages run when a stage is next added to it.
//
// f must return soon once its context is done: the Deferred, and whoever
// awaits it, waits for it. To stop waiting at once instead, leaving f to
// finish on its own, wrap the Deferred in StopCancellation (which does not
// cancel f's context). Go panics if f is nil.
func Go[T any](ctx context.Context, f func(ctx context.Context) (T, error)) *Deferred[T] {
	if f == nil {
		panic("deferred: Go with a nil function")
	}
	gctx, stop := context.WithCancelCause(ctx)
	w := &goroutineWork{stop: stop}
	d := newBound[T](w)
	go func() {
		returned := false
		defer func() {
			if !returned {
				w.finish()
				var zero T
				d.settle(zero, ErrGoexit)
			}
		}()
		v, err := callStage1(nil, f, gctx)
		returned = true
		cancelled, reason := w.finish()
		if err != nil && !errors.Is(err, ErrCancelled) {
			if cancelled {
				err = &CancelledError{Reason: reason, Cause: err}
			} else if ctx.Err() != nil {
				err = &CancelledError{Reason: contextReason(ctx), Cause: err}
			}
		}
		d.resolve(v, err)
	}()
	return d
}

// goroutineWork is the cancelTarget of the Deferred of Go: a cancel
// cancels f's context while f runs.
type goroutineWork struct {
	stop      context.CancelCauseFunc
	mu        sync.Mutex
	done      bool // f has returned
	cancelled bool
	reason    string
}

func (w *goroutineWork) cancel(reason string) bool {
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return false
	}
	if !w.cancelled {
		w.cancelled, w.reason = true, reason
	}
	w.mu.Unlock()
	w.stop(&CancelledError{Reason: reason})
	return true
}

// finish records that f has returned, releases its context, and reports
// whether the Deferred was cancelled first, with what reason.
func (w *goroutineWork) finish() (cancelled bool, reason string) {
	w.mu.Lock()
	w.done = true
	cancelled, reason = w.cancelled, w.reason
	w.mu.Unlock()
	w.stop(context.Canceled)
	return cancelled, reason
}

// Wait blocks the calling goroutine until d fires and returns d's result:
// the way for plain Go code (a net/http handler, an errgroup goroutine) to
// call Deferred code. The result is read, not consumed, as Await reads it:
// an error read here counts as handled.
//
// If ctx is done first, Wait cancels d, with ctx's cause as the reason,
// and returns what d ends with: normally a *CancelledError (test ctx.Err()
// to tell a cancellation by ctx from one of d's own), or the value d's
// canceller fires it with. A d that delays its cancellation
// (DelayCancellation) is waited for.
//
// Wait must not be called from an async function (use Await), nor from the
// goroutine that is to fire d: it would wait forever.
func Wait[T any](ctx context.Context, d *Deferred[T]) (T, error) {
	if v, err, ok := d.readNow(); ok {
		return v, err
	}
	w := &waiter[T]{ready: make(chan struct{})}
	d.observe(w)
	select {
	case <-w.ready:
		return w.value, w.err
	case <-ctx.Done():
	}
	d.cancel(contextReason(ctx))
	<-w.ready
	return w.value, w.err
}

// A waiter receives the result Wait waits for.
type waiter[T any] struct {
	ready chan struct{}
	value T
	err   error
}

func (w *waiter[T]) fired(v T, err error) {
	w.value, w.err = v, err
	close(w.ready)
}
