// Package goroutines starts work in plain Go (a go statement,
// time.AfterFunc) that keeps the request's logging context: a logger from
// it, its LoggingContext, the Task, a context derived from the Task's.
package goroutines

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

func index(doc string) int { return len(doc) }

//cancelcheck:cancellable
func OnUpload(t *deferred.Task, doc string) (int, error) {
	log := logcontext.Logger(t).With("doc", doc)
	go func() { // want `the goroutine can outlive the request and use its logging context after it is finished: it keeps the request's logger \(logcontext\.Logger\), and the request does not wait for it`
		log.Info("indexed", "terms", index(doc))
	}()
	return 201, nil
}

//cancelcheck:cancellable
func OnAudit(t *deferred.Task, who string) (int, error) {
	lc := logcontext.Current(t)
	time.AfterFunc(time.Minute, func() { // want `the function given to time\.AfterFunc can outlive the request .*: it keeps the request's LoggingContext \(logcontext\.Current\)`
		lc.Logger().Info("audit", "who", who)
	})
	return 200, nil
}

func notify(ctx context.Context, who string) {
	logcontext.FromContext(ctx).Logger().Info("notified", "who", who)
}

//cancelcheck:cancellable
func OnNotify(t *deferred.Task, who string) (int, error) {
	go notify(context.WithoutCancel(t.Context()), who) // want `the goroutine can outlive the request .*: it keeps a context derived from the Task's Context\(\)`
	return 200, nil
}

// Good: the request waits for the goroutine.

//cancelcheck:cancellable
func OnUploadWaited(t *deferred.Task, doc string) (int, error) {
	log := logcontext.Logger(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		log.Info("indexed", "terms", index(doc))
	}()
	wg.Wait()
	return 201, nil
}

// Good: a logger of its own, and a goroutine that keeps nothing of the
// request.

var background = slog.Default()

//cancelcheck:cancellable
func OnUploadDetached(t *deferred.Task, doc string) (int, error) {
	go func() {
		background.Info("indexed", "terms", index(doc))
	}()
	go index(doc)
	return 201, nil
}

// A debounced write: the timer is kept so that the next request can stop
// it, but it fires after this request has finished.

var (
	touchMu sync.Mutex
	touches = map[string]*time.Timer{}
)

//cancelcheck:cancellable
func OnTouch(t *deferred.Task, user string) (int, error) {
	lg := logcontext.Logger(t).With("user", user)
	touchMu.Lock()
	defer touchMu.Unlock()
	if tm, ok := touches[user]; ok {
		tm.Stop()
	}
	touches[user] = time.AfterFunc(time.Second, func() { // want `the function given to time\.AfterFunc can outlive the request .*: it keeps the request's logger \(logcontext\.Logger\)`
		lg.Info("seen")
	})
	return 200, nil
}

// Good: the timer is stopped before the request ends.

//cancelcheck:cancellable
func OnTouchStopped(t *deferred.Task, user string) (int, error) {
	lg := logcontext.Logger(t)
	tm := time.AfterFunc(time.Second, func() { lg.Info("slow", "user", user) })
	defer tm.Stop()
	return 200, nil
}

// The runtime's Clock schedules the same way: a timer kept in a map for a
// later Stop still fires after the request, with its logger.

type typing struct {
	clock  deferred.Clock
	timers map[string]deferred.Timer
}

//cancelcheck:cancellable
func (ty *typing) OnTyping(t *deferred.Task, user string) (int, error) {
	lg := logcontext.Logger(t)
	if old := ty.timers[user]; old != nil {
		old.Stop()
	}
	ty.timers[user] = ty.clock.AfterFunc(time.Second, func() { // want `the function given to Clock\.AfterFunc can outlive the request .*: it keeps the request's logger \(logcontext\.Logger\)`
		lg.Info("typing expired", "user", user)
	})
	return 200, nil
}

// Good: the callback keeps nothing of the request.
//
//cancelcheck:cancellable
func (ty *typing) OnTypingQuiet(t *deferred.Task, user string) (int, error) {
	ty.timers[user] = ty.clock.AfterFunc(time.Second, func() {
		slog.Info("typing expired", "user", user)
	})
	return 200, nil
}
