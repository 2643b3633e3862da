package deferred_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
)

// Helpers shared by the tests of List, Race, Semaphore, Queue, the clocks
// and Timeout.

// valueNow returns d's value, failing the test unless d has succeeded.
func valueNow[T any](t *testing.T, d *deferred.Deferred[T]) T {
	t.Helper()
	v, err, ok := d.Result()
	if !ok {
		t.Fatalf("%T has no result yet, want a value", d)
	}
	if err != nil {
		t.Fatalf("%T failed with %v, want a value", d, err)
	}
	return v
}

// errNow returns d's error, failing the test unless d has failed. The
// failure is handled when the test ends, so that it is not reported as
// unhandled in a later test.
func errNow[T any](t *testing.T, d *deferred.Deferred[T]) error {
	t.Helper()
	v, err, ok := d.Result()
	if !ok {
		t.Fatalf("%T has no result yet, want an error", d)
	}
	if err == nil {
		t.Fatalf("%T succeeded with %v, want an error", d, v)
	}
	dropFailureAtEnd(t, d)
	return err
}

// cancelledNow fails the test unless d has failed with a *CancelledError.
func cancelledNow[T any](t *testing.T, d *deferred.Deferred[T]) *deferred.CancelledError {
	t.Helper()
	err := errNow(t, d)
	var ce *deferred.CancelledError
	if !errors.As(err, &ce) {
		t.Fatalf("%T failed with %v, want a *CancelledError", d, err)
	}
	return ce
}

// noResultYet fails the test if d has a result.
func noResultYet[T any](t *testing.T, d *deferred.Deferred[T]) {
	t.Helper()
	if v, err, ok := d.Result(); ok {
		t.Fatalf("%T has a result (%v, %v), want none yet", d, v, err)
	}
}

// dropFailure marks d's failure, if any, as handled, so that dropping d does not
// report it.
func dropFailure[T any](d *deferred.Deferred[T]) {
	d.AddErrback(func(error) (T, error) { var zero T; return zero, nil })
}

// dropFailureAtEnd handles d's failure, if any, when the test ends.
func dropFailureAtEnd[T any](t *testing.T, d *deferred.Deferred[T]) {
	t.Cleanup(func() { dropFailure(d) })
}

// countingCanceller returns a canceller that counts its calls, and then does
// what then does (nothing if nil).
func countingCanceller[T any](n *int, then func(*deferred.Deferred[T])) func(*deferred.Deferred[T]) {
	return func(d *deferred.Deferred[T]) {
		*n++
		if then != nil {
			then(d)
		}
	}
}

// unhandledDuring runs f, forces the unhandled-failure check, and returns
// the errors reported whose Deferred has the type of want (other tests'
// reports are left out).
func unhandledDuring[T any](t *testing.T, f func()) []error {
	t.Helper()
	typ := typeName[T]()
	var mu sync.Mutex
	var got []error
	prev := deferred.SetUnhandledHook(func(u deferred.UnhandledError) {
		if u.Type != typ {
			return
		}
		mu.Lock()
		got = append(got, u.Err)
		mu.Unlock()
	})
	defer deferred.SetUnhandledHook(prev)
	f()
	deferred.ReportUnhandled()
	deferred.ReportUnhandled() // a second round, for cleanups queued by the first
	mu.Lock()
	defer mu.Unlock()
	return got
}

func typeName[T any]() string {
	return fmt.Sprintf("%T", (*deferred.Deferred[T])(nil))
}

// goroutineID returns the id of the calling goroutine, as runtime.Stack
// prints it, for tests of which goroutine runs what.
func goroutineID() uint64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	id, err := strconv.ParseUint(string(buf[:bytes.IndexByte(buf, ' ')]), 10, 64)
	if err != nil {
		panic("goroutineID: " + err.Error())
	}
	return id
}

// waitFired waits, in real time, until d has a result, and returns it.
func waitFired[T any](t *testing.T, d *deferred.Deferred[T]) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	d.AddBoth(func(v T, err error) (T, error) {
		ch <- result{v, err}
		return v, err
	})
	dropFailureAtEnd(t, d)
	select {
	case r := <-ch:
		return r.v, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("%T did not fire within 10s", d)
		panic("unreachable")
	}
}

var _ deferred.Clock = deferred.RealClock{}

func TestRealClock(t *testing.T) {
	c := deferred.RealClock{}
	before := time.Now()
	now := c.Now()
	if now.Before(before) || now.After(time.Now()) {
		t.Fatalf("Now() = %v, not between %v and the next time.Now()", now, before)
	}
	ran := make(chan time.Time, 1)
	c.AfterFunc(time.Millisecond, func() { ran <- time.Now() })
	select {
	case at := <-ran:
		if at.Sub(before) < time.Millisecond {
			t.Errorf("AfterFunc(1ms) ran after %v", at.Sub(before))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("AfterFunc(1ms) did not run within 10s")
	}
	stopped := c.AfterFunc(time.Hour, func() { t.Error("stopped call ran") })
	if !stopped.Stop() {
		t.Error("Stop of a pending timer = false")
	}
}

func TestSleep(t *testing.T) {
	var c deferredtest.Clock
	d := deferred.Sleep(&c, 5*time.Second)
	if got, want := len(c.Pending()), 1; got != want {
		t.Fatalf("%d timers pending, want %d", got, want)
	}
	c.Advance(5*time.Second - 1)
	noResultYet(t, d)
	c.Advance(1)
	valueNow(t, d)
}

func TestSleepCancelStopsTheTimer(t *testing.T) {
	var c deferredtest.Clock
	d := deferred.Sleep(&c, 5*time.Second)
	d.Cancel()
	cancelledNow(t, d)
	if p := c.Pending(); len(p) != 0 {
		t.Fatalf("timer still pending after Cancel: %v", p)
	}
	c.Advance(time.Minute) // must not fire d again
	cancelledNow(t, d)
}

func TestSleepOnTheRealClock(t *testing.T) {
	start := time.Now()
	if _, err := waitFired(t, deferred.Sleep(nil, 2*time.Millisecond)); err != nil {
		t.Fatalf("Sleep(nil, 2ms) failed: %v", err)
	}
	if elapsed := time.Since(start); elapsed < 2*time.Millisecond {
		t.Fatalf("Sleep(nil, 2ms) fired after %v", elapsed)
	}
}

// An async function that sleeps on the test clock resumes inside Advance,
// on the goroutine that advances: the test runs deterministically.
func TestSleepInAnAsyncFunction(t *testing.T) {
	var c deferredtest.Clock
	var steps []string
	d := deferred.Run(func(task *deferred.Task) (int, error) {
		for i := range 3 {
			if _, err := deferred.Await(task, deferred.Sleep(&c, time.Second)); err != nil {
				return i, err
			}
			steps = append(steps, c.Now().Format("05s"))
		}
		return 3, nil
	})
	c.Advance(2 * time.Second)
	if got := len(steps); got != 2 {
		t.Fatalf("after 2s the function woke %d times, want 2", got)
	}
	noResultYet(t, d)
	c.Advance(time.Second)
	if got := valueNow(t, d); got != 3 {
		t.Fatalf("result %d, want 3", got)
	}
	if got, want := steps, []string{"01s", "02s", "03s"}; !slices.Equal(got, want) {
		t.Fatalf("woke at %q, want %q", got, want)
	}
}

// Cancelling an async function that sleeps stops its timer.
func TestSleepCancelledThroughRun(t *testing.T) {
	var c deferredtest.Clock
	d := deferred.Run(func(task *deferred.Task) (struct{}, error) {
		return deferred.Await(task, deferred.Sleep(&c, time.Hour))
	})
	d.CancelWithReason("shutting down")
	if ce := cancelledNow(t, d); ce.Reason != "shutting down" {
		t.Fatalf("reason %q, want %q", ce.Reason, "shutting down")
	}
	if p := c.Pending(); len(p) != 0 {
		t.Fatalf("timer still pending: %v", p)
	}
}

func TestDeferLater(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		f       func() (string, error)
		want    string
		wantErr func(error) bool
	}{
		{"value", func() (string, error) { return "done", nil }, "done", nil},
		{"error", func() (string, error) { return "", errBoom }, "", func(err error) bool { return err == errBoom }},
		{"panic", func() (string, error) { panic("oops") }, "", func(err error) bool {
			var pe *deferred.PanicError
			return errors.As(err, &pe) && pe.Value == "oops"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c deferredtest.Clock
			called := 0
			d := deferred.DeferLater(&c, time.Second, func() (string, error) {
				called++
				return tt.f()
			})
			c.Advance(time.Second - 1)
			if called != 0 {
				t.Fatal("f called before its time")
			}
			noResultYet(t, d)
			c.Advance(1)
			if called != 1 {
				t.Fatalf("f called %d times, want 1", called)
			}
			if tt.wantErr == nil {
				if got := valueNow(t, d); got != tt.want {
					t.Fatalf("value %q, want %q", got, tt.want)
				}
				return
			}
			if err := errNow(t, d); !tt.wantErr(err) {
				t.Fatalf("unexpected error %v", err)
			}
		})
	}
}

func TestDeferLaterCancelBeforeItRuns(t *testing.T) {
	var c deferredtest.Clock
	called := false
	d := deferred.DeferLater(&c, time.Second, func() (int, error) { called = true; return 1, nil })
	d.Cancel()
	cancelledNow(t, d)
	if p := c.Pending(); len(p) != 0 {
		t.Fatalf("timer still pending after Cancel: %v", p)
	}
	c.Advance(time.Hour)
	if called {
		t.Fatal("f was called after Cancel")
	}
}

// A timer whose Stop comes too late (it has started on another goroutine)
// must still not call f after the cancel.
type lateTimer struct{}

func (lateTimer) Stop() bool { return false }

type lateClock struct{ deferredtest.Clock }

func (c *lateClock) AfterFunc(d time.Duration, f func()) deferred.Timer {
	c.Clock.AfterFunc(d, f)
	return lateTimer{}
}

func TestDeferLaterCancelWhenStopIsTooLate(t *testing.T) {
	c := new(lateClock)
	called := false
	d := deferred.DeferLater(c, time.Second, func() (int, error) { called = true; return 1, nil })
	d.Cancel()
	c.Advance(time.Second)
	if called {
		t.Fatal("f was called after Cancel")
	}
	cancelledNow(t, d)
}

// A cancel that comes while f runs fails the Deferred at once; f's result,
// when it comes, is dropped.
func TestDeferLaterCancelWhileRunning(t *testing.T) {
	var c deferredtest.Clock
	started, finish := make(chan struct{}), make(chan struct{})
	d := deferred.DeferLater(&c, time.Second, func() (int, error) {
		close(started)
		<-finish
		return 1, nil
	})
	advanced := make(chan struct{})
	go func() {
		c.Advance(time.Second)
		close(advanced)
	}()
	<-started
	d.Cancel()
	cancelledNow(t, d)
	close(finish)
	<-advanced
	cancelledNow(t, d)
}

func TestDeferLaterOnTheRealClock(t *testing.T) {
	caller := goroutineID()
	var ranOn uint64
	d := deferred.DeferLater(nil, time.Millisecond, func() (int, error) {
		ranOn = goroutineID()
		return 7, nil
	})
	v, err := waitFired(t, d)
	if v != 7 || err != nil {
		t.Fatalf("result (%v, %v), want (7, nil)", v, err)
	}
	if ranOn == caller {
		t.Fatal("f ran on the caller's goroutine, want the timer's")
	}
}

func TestDeferLaterNilFunctionPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	deferred.DeferLater[int](nil, time.Second, nil)
}
