package deferredtest_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// harness runs Explore and returns its problems as the text
// CancelAtEveryAwait reports them with, and the last run's result.
func harness[T any](t *testing.T, start func(*deferredtest.Clock) *deferred.Deferred[T], opts ...deferredtest.Option) (errs []string, v T, err error) {
	t.Helper()
	problems, v, err := deferredtest.Explore(start, opts...)
	for _, p := range problems {
		errs = append(errs, p.String())
	}
	return errs, v, err
}

// wantReports checks that the harness reported exactly one problem per
// entry of want, each containing that text.
func wantReports(t *testing.T, errs []string, want ...string) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("harness reported %d problems, want %d:\n%s", len(errs), len(want), strings.Join(errs, "\n---\n"))
	}
	for i, w := range want {
		if !strings.Contains(errs[i], w) {
			t.Errorf("report %d = %q, want it to contain %q", i, errs[i], w)
		}
	}
}

// fetch waits a second of clock time, then returns "row": an operation
// with two await points (the sleep, and a Deferred that has fired).
func fetch(t *deferred.Task, clock deferred.Clock) (string, error) {
	if _, err := deferred.Await(t, deferred.Sleep(clock, time.Second)); err != nil {
		return "", err
	}
	return deferred.Await(t, deferred.Succeed("row"))
}

func TestHarnessPassesCorrectCode(t *testing.T) {
	var runs int
	errs, v, err := harness(t, func(c *deferredtest.Clock) *deferred.Deferred[string] {
		runs++
		return deferred.Run(func(t *deferred.Task) (string, error) {
			row, err := fetch(t, c)
			if err != nil {
				return "", fmt.Errorf("loading: %w", err)
			}
			return row + "!", nil
		})
	})
	wantReports(t, errs)
	if v != "row!" || err != nil {
		t.Errorf("result = %q, %v; want row!, nil", v, err)
	}
	// One run per await point (the sleep, the fired Deferred), then the last.
	if runs != 3 {
		t.Errorf("start called %d times, want 3", runs)
	}
}

func TestHarnessCatchesSwallowedCancellation(t *testing.T) {
	errs, v, _ := harness(t, func(c *deferredtest.Clock) *deferred.Deferred[string] {
		return deferred.Run(func(t *deferred.Task) (string, error) {
			row, err := fetch(t, c)
			if err != nil {
				return "fallback", nil // swallows the *CancelledError
			}
			return row, nil
		})
	})
	wantReports(t, errs,
		"await point 1, ", // the sleep
		"await point 2, ", // the fired Deferred, forced to block
	)
	for _, e := range errs {
		if !strings.Contains(e, "the *CancelledError was swallowed") || !strings.Contains(e, "harness_test.go:") {
			t.Errorf("report %q does not say where and what", e)
		}
	}
	if !strings.Contains(errs[0], "(deferredtest_test.fetch)") {
		t.Errorf("report %q does not name the function that awaits", errs[0])
	}
	if v != "row" {
		t.Errorf("last run returned %q, want row", v)
	}
}

func TestHarnessCatchesReplacedCancellation(t *testing.T) {
	errs, _, _ := harness(t, func(c *deferredtest.Clock) *deferred.Deferred[string] {
		return deferred.Run(func(t *deferred.Task) (string, error) {
			row, err := fetch(t, c)
			if err != nil {
				return "", fmt.Errorf("loading: %v", err) // %v cuts the chain
			}
			return row, nil
		})
	})
	wantReports(t, errs, "which is not a cancellation", "which is not a cancellation")
}

// roomCache is Synapse's wait_for_room cache: one Deferred per room,
// shared by every request for that room.
type roomCache struct {
	clock   deferred.Clock
	shield  bool
	loading map[string]*deferred.Deferred[string]
}

func (c *roomCache) wait(room string) *deferred.Deferred[string] {
	d, ok := c.loading[room]
	if !ok {
		d = deferred.DeferLater(c.clock, time.Second, func() (string, error) { return "room " + room, nil })
		c.loading[room] = d
	}
	if c.shield {
		return deferred.StopCancellation(d)
	}
	return d
}

func roomRequest(cache *roomCache) func(*deferredtest.Clock) *deferred.Deferred[string] {
	return func(*deferredtest.Clock) *deferred.Deferred[string] {
		return deferred.Run(func(t *deferred.Task) (string, error) {
			return deferred.Await(t, cache.wait("!a:matrix.org"))
		})
	}
}

func TestHarnessCatchesSharedDeferred(t *testing.T) {
	clock := new(deferredtest.Clock)
	cache := &roomCache{clock: clock, loading: map[string]*deferred.Deferred[string]{}}
	errs, _, _ := harness(t, roomRequest(cache), deferredtest.WithClock(clock), deferredtest.WithBystander())
	wantReports(t, errs,
		"the uncancelled bystander run failed",
		"the last run (2), which reached no new await point:\n\tthe operation failed with deferred: cancelled",
	)
}

func TestHarnessPassesShieldedSharedDeferred(t *testing.T) {
	clock := new(deferredtest.Clock)
	cache := &roomCache{clock: clock, shield: true, loading: map[string]*deferred.Deferred[string]{}}
	errs, v, err := harness(t, roomRequest(cache), deferredtest.WithClock(clock), deferredtest.WithBystander())
	wantReports(t, errs)
	if v != "room !a:matrix.org" || err != nil {
		t.Errorf("result = %q, %v", v, err)
	}
}

// uncancelled is Synapse's "Uncancelled processing": the request starts
// work that inherits its logging context and waits for it through a shield.
func uncancelled(wait func(*deferred.Deferred[struct{}]) *deferred.Deferred[struct{}], background bool) func(*deferredtest.Clock) *deferred.Deferred[struct{}] {
	return func(c *deferredtest.Clock) *deferred.Deferred[struct{}] {
		work := func(t *deferred.Task) (struct{}, error) {
			if _, err := deferred.Await(t, deferred.Sleep(c, time.Second)); err != nil {
				return struct{}{}, err
			}
			logcontext.Logger(t).Info("done!")
			return struct{}{}, nil
		}
		return logcontext.Run("request-1", func(t *deferred.Task) (struct{}, error) {
			var d *deferred.Deferred[struct{}]
			if background {
				d = logcontext.RunAsBackgroundProcess("do_something_else", work)
			} else {
				d = logcontext.RunInBackground(t, work)
			}
			return deferred.Await(t, wait(d))
		})
	}
}

func quietLogs(t *testing.T) {
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
}

func TestHarnessCatchesLeakedLoggingContext(t *testing.T) {
	quietLogs(t)
	errs, _, _ := harness(t, uncancelled(deferred.StopCancellation[struct{}], false))
	// Cancelled at the request's Await: the background work goes on and
	// logs in the finished context. Cancelled at the work's own Await (the
	// sleep): it is not cancelled either, same leak.
	wantReports(t, errs, "a finished logging context was used", "a finished logging context was used")
}

func TestHarnessPassesDelayedCancellation(t *testing.T) {
	quietLogs(t)
	errs, _, err := harness(t, uncancelled(deferred.DelayCancellation[struct{}], false))
	wantReports(t, errs)
	if err != nil {
		t.Errorf("last run failed: %v", err)
	}
}

func TestHarnessPassesBackgroundProcess(t *testing.T) {
	quietLogs(t)
	errs, _, err := harness(t, uncancelled(deferred.StopCancellation[struct{}], true))
	wantReports(t, errs)
	if err != nil {
		t.Errorf("last run failed: %v", err)
	}
}

func TestHarnessReportsStuckOperation(t *testing.T) {
	never := deferred.New[int](nil)
	errs, _, _ := harness(t, func(*deferredtest.Clock) *deferred.Deferred[int] {
		return deferred.Run(func(t *deferred.Task) (int, error) {
			// Cancellation reaches this Await; the last run waits forever.
			return deferred.Await(t, deferred.StopCancellation(never))
		})
	})
	wantReports(t, errs, "the operation never finished", "goroutine(s) left behind")
	never.Callback(1) // let the last run's coroutine end
}

func TestHarnessReportsLeakedGoroutine(t *testing.T) {
	var orphans []*deferred.Deferred[int]
	errs, _, _ := harness(t, func(*deferredtest.Clock) *deferred.Deferred[int] {
		return deferred.Run(func(t *deferred.Task) (int, error) {
			// Work started and never awaited, on a Deferred nothing fires.
			orphan := deferred.New[int](nil)
			orphans = append(orphans, orphan)
			deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, orphan) })
			return deferred.Await(t, deferred.Succeed(1))
		})
	})
	// The orphan's own Await is an await point too: the harness blocks it
	// and releases it, and then it waits on the orphan forever.
	if len(errs) == 0 {
		t.Fatal("harness reported nothing")
	}
	for _, e := range errs {
		if !strings.Contains(e, "goroutine(s) left behind") {
			t.Errorf("unexpected report %q", e)
		}
	}
	for _, o := range orphans {
		o.Callback(0)
	}
}

func TestHarnessReportsUnhandledError(t *testing.T) {
	quietLogs(t)
	errs, _, _ := harness(t, func(c *deferredtest.Clock) *deferred.Deferred[int] {
		return deferred.Run(func(t *deferred.Task) (int, error) {
			// A side task whose failure nobody handles.
			deferred.Run(func(t *deferred.Task) (int, error) {
				return 0, errors.New("lost")
			})
			return deferred.Await(t, deferred.Succeed(1))
		})
	})
	if len(errs) == 0 {
		t.Fatal("harness reported nothing")
	}
	for _, e := range errs {
		if !strings.Contains(e, "unhandled failure: unhandled error in *deferred.Deferred[int]: lost") {
			t.Errorf("unexpected report %q", e)
		}
	}
}

// recorder is a testing.TB that keeps what it is told, to test the helpers
// that report to one.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	failed   bool
	cleanups []func()
}

// failNow stands for runtime.Goexit in a recorder's FailNow.
type failNow struct{}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) FailNow() {
	r.failed = true
	panic(failNow{})
}

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// run calls f with r, as the testing package runs a test: FailNow ends f.
func (r *recorder) run(f func(testing.TB)) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(failNow); !ok {
				panic(p)
			}
		}
	}()
	f(r)
}

func TestCancelAtEveryAwaitReportsToTheTest(t *testing.T) {
	r := &recorder{TB: t}
	var v string
	r.run(func(tb testing.TB) {
		v, _ = deferredtest.CancelAtEveryAwait(tb, func(c *deferredtest.Clock) *deferred.Deferred[string] {
			return deferred.Run(func(t *deferred.Task) (string, error) {
				if _, err := fetch(t, c); err != nil {
					return "fallback", nil // swallows the *CancelledError
				}
				return "row", nil
			})
		})
	})
	if len(r.errors) != 2 || !strings.Contains(r.errors[0], "the *CancelledError was swallowed") || r.failed {
		t.Errorf("reported %q (FailNow: %v), want two swallowed cancellations and no FailNow", r.errors, r.failed)
	}
	if v != "row" {
		t.Errorf("returned %q, want the last run's row", v)
	}
}

func TestCancelAtEveryAwaitStopsWhenTooManyPoints(t *testing.T) {
	r := &recorder{TB: t}
	r.run(func(tb testing.TB) {
		deferredtest.CancelAtEveryAwait(tb, func(c *deferredtest.Clock) *deferred.Deferred[string] {
			return deferred.Run(func(t *deferred.Task) (string, error) { return fetch(t, c) })
		}, deferredtest.MaxAwaitPoints(1))
	})
	if !r.failed || len(r.errors) != 1 || !strings.Contains(r.errors[0], "more than 1 await points") {
		t.Errorf("reported %q (FailNow: %v), want the limit and FailNow", r.errors, r.failed)
	}
}

func TestExploreStopsOnAClockThatNeverSettles(t *testing.T) {
	problems, _, _ := deferredtest.Explore(func(c *deferredtest.Clock) *deferred.Deferred[int] {
		var tick func()
		tick = func() { c.AfterFunc(time.Second, tick) } // polls forever
		tick()
		return deferred.New[int](nil)
	})
	if len(problems) != 1 || !problems[0].Stopped || !strings.Contains(problems[0].Text, "polls forever") {
		t.Fatalf("problems = %v, want one that stops the exploration", problems)
	}
}

func TestExploreNamesTheAwaitPoint(t *testing.T) {
	problems, _, _ := deferredtest.Explore(func(c *deferredtest.Clock) *deferred.Deferred[string] {
		return deferred.Run(func(t *deferred.Task) (string, error) {
			fetch(t, c) // drops the error
			return "", nil
		})
	})
	if len(problems) != 2 {
		t.Fatalf("problems = %v, want one per await point", problems)
	}
	for i, p := range problems {
		if p.Run != i+1 || !strings.Contains(p.Point, "harness_test.go:") || !strings.Contains(p.Point, "(deferredtest_test.fetch)") {
			t.Errorf("problem %d: run %d at %q, want run %d in fetch", i, p.Run, p.Point, i+1)
		}
	}
}
