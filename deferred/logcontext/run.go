package logcontext

import (
	"context"
	"errors"
	"runtime/debug"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Run starts a request: it runs f as an async function (deferred.Run) in a
// new root context named name, and finishes the context when the returned
// Deferred fires, whether f returned, failed, panicked or was cancelled.
// It is Synapse's `with LoggingContext(name): await f()`.
func Run[T any](name string, f func(*deferred.Task) (T, error)) *deferred.Deferred[T] {
	return RunIn(context.Background(), New(name, nil), f)
}

// RunIn runs f as an async function in c (deferred.RunContext with ctx,
// which bounds the work: when ctx is done, the Deferred is cancelled; pass
// context.WithoutCancel(ctx) to keep only its values) and finishes c when
// the returned Deferred fires. f's Task carries c in its Context. Running in
// a finished context is reported as a misuse. RunIn with Sentinel runs f in
// no context; it panics if c is nil.
func RunIn[T any](ctx context.Context, c *LoggingContext, f func(*deferred.Task) (T, error)) *deferred.Deferred[T] {
	if c == nil {
		panic("logcontext: RunIn with a nil *LoggingContext")
	}
	c.misuse(Started)
	return runIn(ctx, c, f)
}

// runIn is RunIn without the misuse check, which the caller makes.
func runIn[T any](ctx context.Context, c *LoggingContext, f func(*deferred.Task) (T, error)) *deferred.Deferred[T] {
	ctx = context.WithValue(ctx, contextKey{}, c)
	if c == Sentinel {
		return deferred.RunContext(ctx, f)
	}
	d := deferred.RunContext(ctx, func(t *deferred.Task) (T, error) {
		b := c.enter(t)
		defer b.exit()
		return f(t)
	})
	return d.AddBoth(func(v T, err error) (T, error) {
		c.Finish()
		return v, err
	})
}

// RunInBackground starts f as an async function that inherits t's logging
// context (Synapse's run_in_background): its records carry t's request, its
// usage counts towards t's context, and Current returns a child of t's
// context for it. It runs at once, on the calling goroutine, until it first
// suspends, and returns a Deferred for its result that the caller may
// await, pass to deferred.Gather, or drop.
//
// f is not cancelled with t: its Task's Context keeps the values of t's and
// drops its cancellation. Cancellation reaches f only through the returned
// Deferred, when whoever waits on it is cancelled. If t's request is
// cancelled while f runs and nothing waits for f, the request finishes and f
// goes on in a finished context, which is reported as a misuse: await the
// Deferred, directly or through deferred.DelayCancellation, or use
// RunAsBackgroundProcess for work that belongs to no request. Starting work
// from a task whose context has finished is reported too.
//
// A nil t, or one in no context, runs f in none.
func RunInBackground[T any](t *deferred.Task, f func(*deferred.Task) (T, error)) *deferred.Deferred[T] {
	ctx := context.Background()
	if t != nil {
		ctx = context.WithoutCancel(t.Context())
	}
	parent := Current(t)
	if parent == Sentinel {
		return runIn(ctx, Sentinel, f)
	}
	parent.misuse(Started)
	return runIn(ctx, parent.newChild(), f)
}

// RunAsBackgroundProcess starts f as an async function in a new root
// context of its own, named name (Synapse's run_as_background_process): it
// belongs to no request, is cancelled with none, counts no usage towards
// any, and its context finishes when it ends. A failure of f is logged
// through its context ("Background process failed", at level Error; a
// cancellation at level Info) and counts as handled on the returned
// Deferred, so that the Deferred may be dropped, as Synapse's may; a caller
// that awaits it still gets the error.
func RunAsBackgroundProcess[T any](name string, f func(*deferred.Task) (T, error)) *deferred.Deferred[T] {
	c := New(name, nil)
	d := runIn(context.Background(), c, func(t *deferred.Task) (v T, err error) {
		defer func() {
			// Log before the context finishes, including a panic.
			if p := recover(); p != nil {
				err = &deferred.PanicError{Value: p, Stack: debug.Stack()}
			}
			if errors.Is(err, deferred.ErrCancelled) {
				c.Logger().Info("Background process cancelled", "error", err)
			} else if err != nil {
				c.Logger().Error("Background process failed", "error", err)
			}
		}()
		return f(t)
	})
	return d.MarkHandled() // the failure has been logged
}
