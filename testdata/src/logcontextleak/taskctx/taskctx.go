// Package taskctx starts work with deferred.RunContext and deferred.Go
// under a context derived from the request's Task: the logging context is
// one of that context's values, and context.WithoutCancel keeps values.
package taskctx

import (
	"context"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

func reindex(t *deferred.Task) (int, error) {
	logcontext.Logger(t).Info("reindexing")
	return 1, nil
}

func ping(ctx context.Context) (bool, error) {
	logcontext.FromContext(ctx).Logger().Info("pinging")
	return true, nil
}

//cancelcheck:cancellable
func OnReindex(t *deferred.Task) (int, error) {
	deferred.RunContext(context.WithoutCancel(t.Context()), reindex) // want `work started with deferred.RunContext under the Task's context can outlive the request and use its logging context after it is finished: its Deferred is never awaited`
	return 200, nil
}

//cancelcheck:cancellable
func OnPing(t *deferred.Task) (int, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Minute)
	_ = cancel
	deferred.Go(ctx, ping) // want `work started with deferred.Go under the Task's context can outlive the request`
	return 200, nil
}

// Awaited: silent.
//
//cancelcheck:cancellable
func OnReindexAwaited(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.RunContext(t.Context(), reindex))
}

// A context of its own, not the Task's: no logging context goes with it.
//
//cancelcheck:cancellable
func OnReindexDetached(t *deferred.Task) (int, error) {
	deferred.RunContext(context.Background(), reindex)
	return 200, nil
}

// A helper that starts the work and marks its failure handled: the
// Deferred it returns is the work's, which the request drops.

func inBackground(t *deferred.Task, f func(*deferred.Task) (int, error)) *deferred.Deferred[int] {
	return logcontext.RunInBackground(t, f).MarkHandled()
}

//cancelcheck:cancellable
func OnReindexHandled(t *deferred.Task) (int, error) {
	inBackground(t, reindex) // want `work that inBackground starts in the request's logging context can outlive the request .*: its Deferred is never awaited`
	return 200, nil
}
