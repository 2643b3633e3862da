package deferred_test

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
)

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

// The RealClock's Timers have the rest of Twisted's IDelayedCall: When,
// Active and Reset, with time.Timer's meaning of Reset.
func TestRealClockTimer(t *testing.T) {
	c := deferred.RealClock{}
	before := time.Now()
	ran := make(chan struct{}, 2)
	k := c.AfterFunc(time.Hour, func() { ran <- struct{}{} })
	if w := k.When(); w.Before(before.Add(time.Hour)) || w.After(time.Now().Add(time.Hour)) {
		t.Fatalf("When() = %v, want an hour from the call", w)
	}
	if !k.Active() {
		t.Fatal("Active() = false for a pending timer")
	}
	if !k.Reset(time.Millisecond) {
		t.Fatal("Reset of a pending timer = false")
	}
	waitFor(t, ran, "the timer Reset to 1ms")
	if k.Active() {
		t.Fatal("Active() = true for a timer that ran")
	}
	if k.Stop() {
		t.Fatal("Stop of a timer that ran = true")
	}
	if k.Reset(time.Millisecond) {
		t.Fatal("Reset of a timer that ran = true")
	}
	waitFor(t, ran, "the timer Reset after it ran")
	k.Reset(time.Hour)
	if !k.Stop() || k.Active() {
		t.Fatal("Stop of a pending timer did not stop it")
	}
	select {
	case <-ran:
		t.Fatal("a stopped timer ran")
	case <-time.After(20 * time.Millisecond):
	}
}

func waitFor(t *testing.T, ran <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not run within 10s", what)
	}
}

// Stop and Reset racing with the timer's goroutine: a schedule that Stop
// or Reset reports pending never runs, and one that they report not
// pending has started, so it runs once: the runs add up.
func TestRealClockTimerRaces(t *testing.T) {
	c := deferred.RealClock{}
	var runs atomic.Int64
	want := int64(0)
	for i := range 300 {
		k := c.AfterFunc(time.Duration(i%4)*time.Microsecond, func() { runs.Add(1) })
		if i%2 == 0 && !k.Reset(time.Duration(i%3)*time.Microsecond) {
			want++ // the first schedule ran
		}
		if !k.Stop() {
			want++ // the last schedule ran
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for runs.Load() < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // for a run too many
	if got := runs.Load(); got != want {
		t.Fatalf("%d runs, want %d", got, want)
	}
}

func TestSleep(t *testing.T) {
	var c deferredtest.Clock
	d := deferred.Sleep(&c, 5*time.Second)
	if got, want := len(c.Pending()), 1; got != want {
		t.Fatalf("%d timers pending, want %d", got, want)
	}
	c.Advance(5*time.Second - 1)
	mustPend(t, d)
	c.Advance(1)
	mustSucceed(t, d)
}

func TestSleepCancelStopsTheTimer(t *testing.T) {
	var c deferredtest.Clock
	d := deferred.Sleep(&c, 5*time.Second)
	d.Cancel()
	handleAtEnd(t, d)
	mustBeCancelled(t, d)
	if p := c.Pending(); len(p) != 0 {
		t.Fatalf("timer still pending after Cancel: %v", p)
	}
	c.Advance(time.Minute) // must not fire d again
	mustBeCancelled(t, d)
}

func TestSleepOnTheRealClock(t *testing.T) {
	start := time.Now()
	if _, err := waitResult(t, deferred.Sleep(nil, 2*time.Millisecond)); err != nil {
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
	mustPend(t, d)
	c.Advance(time.Second)
	if got := mustSucceed(t, d); got != 3 {
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
	handleAtEnd(t, d)
	if ce := mustBeCancelled(t, d); ce.Reason != "shutting down" {
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
			mustPend(t, d)
			c.Advance(1)
			if called != 1 {
				t.Fatalf("f called %d times, want 1", called)
			}
			if tt.wantErr == nil {
				if got := mustSucceed(t, d); got != tt.want {
					t.Fatalf("value %q, want %q", got, tt.want)
				}
				return
			}
			handleAtEnd(t, d)
			if err := mustFail(t, d); !tt.wantErr(err) {
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
	handleAtEnd(t, d)
	mustBeCancelled(t, d)
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
type lateTimer struct{ deferred.Timer }

func (lateTimer) Stop() bool { return false }

type lateClock struct{ deferredtest.Clock }

func (c *lateClock) AfterFunc(d time.Duration, f func()) deferred.Timer {
	return lateTimer{c.Clock.AfterFunc(d, f)}
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
	handleAtEnd(t, d)
	mustBeCancelled(t, d)
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
	handleAtEnd(t, d)
	mustBeCancelled(t, d)
	close(finish)
	<-advanced
	mustBeCancelled(t, d)
}

func TestDeferLaterOnTheRealClock(t *testing.T) {
	caller := goroutineID()
	var ranOn uint64
	d := deferred.DeferLater(nil, time.Millisecond, func() (int, error) {
		ranOn = goroutineID()
		return 7, nil
	})
	v, err := waitResult(t, d)
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
