package deferred_test

// LoopingCall: Twisted's LoopTests and ReactorLoopTests (test_task.py), on
// deferredtest.Clock, and cancellation, which Twisted's LoopingCall does
// not have.

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
)

// finished is what a looping function that is done at once hands back.
func finished() *deferred.Deferred[struct{}] { return deferred.Succeed(struct{}{}) }

// loopLog records each call of a looping function: the clock's time, in
// seconds since the epoch as a float, and the count.
type loopLog struct {
	c     *deferredtest.Clock
	times []float64
	count []int
}

func (l *loopLog) record(count int) {
	l.times = append(l.times, l.c.Now().Sub(clockEpochTime).Seconds())
	l.count = append(l.count, count)
}

var clockEpochTime = time.Unix(0, 0).UTC()

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Twisted's test_callbackTimeSkips: a call that takes longer than the
// interval (here it moves the clock itself) makes the loop skip the
// intervals that have passed; the next call is the next one still in the
// future, and its count says how many intervals it covers.
func TestLoopingCallSkipsIntervalsACallTakes(t *testing.T) {
	c := new(deferredtest.Clock)
	l := &loopLog{c: c}
	var callDuration time.Duration
	lc := deferred.NewLoopingCall(c, func(n int) *deferred.Deferred[struct{}] {
		l.record(n)
		c.Advance(callDuration)
		return finished()
	})
	callDuration = 2 * time.Second
	lc.Start(500*time.Millisecond, true)
	if !slices.Equal(l.times, []float64{0}) {
		t.Fatalf("times %v, want [0]", l.times)
	}
	// An iteration was due at 2, but 2 is the present, not the future.
	c.Advance(0)
	if !slices.Equal(l.times, []float64{0}) {
		t.Fatalf("times %v after Advance(0), want [0]", l.times)
	}
	callDuration = time.Second
	c.Advance(500 * time.Millisecond)
	if !slices.Equal(l.times, []float64{0, 2.5}) || c.Now() != clockEpochTime.Add(3500*time.Millisecond) {
		t.Fatalf("times %v, now %v; want [0 2.5] at 3.5s", l.times, c.Now())
	}
	c.Advance(0)
	callDuration = 0
	c.Advance(500 * time.Millisecond)
	if !slices.Equal(l.times, []float64{0, 2.5, 4}) {
		t.Fatalf("times %v, want [0 2.5 4]", l.times)
	}
	// The calls at 0.5 to 2 and at 3 and 3.5 were skipped: counts 5 and 3.
	if want := []int{1, 5, 3}; !slices.Equal(l.count, want) {
		t.Fatalf("counts %v, want %v", l.count, want)
	}
	lc.Stop()
}

// The calls stay on the grid of intervals from Start: a call that takes
// part of an interval does not push the next one back.
func TestLoopingCallKeepsToTheGrid(t *testing.T) {
	c := new(deferredtest.Clock)
	l := &loopLog{c: c}
	lc := deferred.NewLoopingCall(c, func(n int) *deferred.Deferred[struct{}] {
		l.record(n)
		return deferred.Sleep(c, 300*time.Millisecond)
	})
	lc.Start(time.Second, true)
	c.Advance(3 * time.Second)
	if want := []float64{0, 1, 2, 3}; !slices.Equal(l.times, want) {
		t.Fatalf("times %v, want %v", l.times, want)
	}
	lc.Stop()
}

// Twisted's test_deferredWithCount: while the Deferred of a call has not
// fired, no call is made; the call after it counts the intervals missed.
func TestLoopingCallWaitsForTheDeferredAndCountsMissedIntervals(t *testing.T) {
	c := new(deferredtest.Clock)
	var counts []int
	pending := deferred.New[struct{}](nil)
	lc := deferred.NewLoopingCall(c, func(n int) *deferred.Deferred[struct{}] {
		counts = append(counts, n)
		if len(counts) == 1 {
			return pending
		}
		return finished()
	})
	lc.Start(200*time.Millisecond, false)
	if len(counts) != 0 {
		t.Fatalf("called %v before the first interval", counts)
	}
	c.Pump([]time.Duration{200 * time.Millisecond, 400 * time.Millisecond})
	if len(counts) != 1 {
		t.Fatalf("counts %v while the first call's Deferred is pending, want one call", counts)
	}
	pending.Callback(struct{}{})
	c.Pump([]time.Duration{200 * time.Millisecond})
	if want := []int{1, 3}; !slices.Equal(counts, want) {
		t.Fatalf("counts %v, want %v (calls missed at about 0.6s and 0.8s)", counts, want)
	}
	lc.Stop()
}

// Twisted's testBasicFunction and testDelayedStart: with now, the first
// call is at Start; without, one interval later. Stop fires Start's
// Deferred with the LoopingCall and leaves no timer behind.
func TestLoopingCallBasic(t *testing.T) {
	for _, now := range []bool{true, false} {
		c := new(deferredtest.Clock)
		calls := 0
		lc := deferred.NewLoopingCall(c, func(int) *deferred.Deferred[struct{}] { calls++; return finished() })
		d := lc.Start(100*time.Millisecond, now)
		c.Pump([]time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond})
		want := 2
		if now {
			want = 3
		}
		if calls != want {
			t.Fatalf("now=%v: %d calls, want %d", now, calls, want)
		}
		mustPend(t, d)
		if !lc.Running() || !lc.Stop() {
			t.Fatalf("now=%v: not running before Stop", now)
		}
		if got := mustSucceed(t, d); got != lc {
			t.Fatalf("Start's Deferred fired with %v, want the LoopingCall", got)
		}
		if p := c.Pending(); len(p) != 0 {
			t.Fatalf("timers pending after Stop: %v", p)
		}
		if lc.Running() || lc.Stop() {
			t.Fatal("running after Stop")
		}
	}
}

// Twisted's testStopAtOnce and testStoppingBeforeDelayedStart.
func TestLoopingCallStopBeforeTheFirstCall(t *testing.T) {
	for _, interval := range []time.Duration{0, 10 * time.Second} {
		c := new(deferredtest.Clock)
		ran := false
		lc := deferred.NewLoopingCall(c, func(int) *deferred.Deferred[struct{}] { ran = true; return finished() })
		d := lc.Start(interval, false)
		lc.Stop()
		c.Advance(time.Minute)
		if ran || len(c.Pending()) != 0 {
			t.Fatalf("interval %v: ran %v, pending %v after Stop", interval, ran, c.Pending())
		}
		mustSucceed(t, d)
	}
}

// Twisted's test_reset: Reset skips the next call and starts the interval
// again.
func TestLoopingCallReset(t *testing.T) {
	c := new(deferredtest.Clock)
	calls := 0
	lc := deferred.NewLoopingCall(c, func(int) *deferred.Deferred[struct{}] { calls++; return finished() })
	lc.Start(2*time.Second, false)
	c.Advance(time.Second)
	lc.Reset()
	c.Advance(time.Second)
	if calls != 0 {
		t.Fatalf("%d calls at the old time, want 0", calls)
	}
	c.Advance(time.Second)
	if calls != 1 {
		t.Fatalf("%d calls at the new time, want 1", calls)
	}
	lc.Stop()
}

// Twisted's test_withCountIntervalZero and testEveryIteration: an interval
// of 0 calls again at every Advance(0), with a count of 1, until stopped.
func TestLoopingCallIntervalZero(t *testing.T) {
	c := new(deferredtest.Clock)
	var counts []int
	var lc *deferred.LoopingCall
	lc = deferred.NewLoopingCall(c, func(n int) *deferred.Deferred[struct{}] {
		counts = append(counts, n)
		if len(counts) > 4 {
			lc.Stop()
		}
		return finished()
	})
	d := lc.Start(0, false)
	c.Advance(0)
	mustSucceed(t, d)
	if want := []int{1, 1, 1, 1, 1}; !slices.Equal(counts, want) {
		t.Fatalf("counts %v, want %v", counts, want)
	}
}

// Twisted's test_withCountIntervalZeroDelay: with an interval of 0, a
// pending Deferred holds the loop however long it takes, and the count
// stays 1.
func TestLoopingCallIntervalZeroWaitsForTheDeferred(t *testing.T) {
	c := new(deferredtest.Clock)
	pending := deferred.New[struct{}](nil)
	var counts []int
	var lc *deferred.LoopingCall
	lc = deferred.NewLoopingCall(c, func(n int) *deferred.Deferred[struct{}] {
		counts = append(counts, n)
		if len(counts) == 2 {
			return pending
		}
		if len(counts) > 4 {
			lc.Stop()
		}
		return finished()
	})
	d := lc.Start(0, false)
	c.Advance(0)
	if want := []int{1, 1}; !slices.Equal(counts, want) {
		t.Fatalf("counts %v, want %v", counts, want)
	}
	c.Advance(2 * time.Second)
	if len(counts) != 2 {
		t.Fatalf("counts %v while the Deferred is pending", counts)
	}
	pending.Callback(struct{}{})
	c.Advance(0)
	if want := []int{1, 1, 1, 1, 1}; !slices.Equal(counts, want) {
		t.Fatalf("counts %v, want %v", counts, want)
	}
	mustSucceed(t, d)
}

// Twisted's testWaitDeferred: a call's Deferred that fires later, and
// stops the loop from its callback, ends it with no timer left.
func TestLoopingCallStoppedFromTheCallsDeferred(t *testing.T) {
	c := new(deferredtest.Clock)
	var lc *deferred.LoopingCall
	lc = deferred.NewLoopingCall(c, func(int) *deferred.Deferred[struct{}] {
		d := deferred.Sleep(c, time.Second)
		d.AddCallback(func(v struct{}) (struct{}, error) { lc.Stop(); return v, nil })
		return d
	})
	d := lc.Start(200*time.Millisecond, true)
	c.Pump([]time.Duration{200 * time.Millisecond, 800 * time.Millisecond})
	if p := c.Pending(); len(p) != 0 {
		t.Fatalf("timers pending: %v", p)
	}
	mustSucceed(t, d)
}

// Twisted's testFailure, testFailAndStop and testFailurePropagation: a call
// that fails, at once or later, or panics, or hands back nil, stops the
// loop; Start's Deferred fails with the error.
func TestLoopingCallFailureStopsTheLoop(t *testing.T) {
	tests := []struct {
		name  string
		f     func(c *deferredtest.Clock, lc **deferred.LoopingCall) *deferred.Deferred[struct{}]
		check func(err error) bool
	}{
		{"fails", func(*deferredtest.Clock, **deferred.LoopingCall) *deferred.Deferred[struct{}] {
			return deferred.Fail[struct{}](errBoom)
		}, func(err error) bool { return err == errBoom }},
		{"stops, then fails", func(_ *deferredtest.Clock, lc **deferred.LoopingCall) *deferred.Deferred[struct{}] {
			(*lc).Stop()
			return deferred.Fail[struct{}](errBoom)
		}, func(err error) bool { return err == errBoom }},
		{"fails later", func(c *deferredtest.Clock, _ **deferred.LoopingCall) *deferred.Deferred[struct{}] {
			return deferred.DeferLater(c, 300*time.Millisecond, func() (struct{}, error) { return struct{}{}, errBoom })
		}, func(err error) bool { return err == errBoom }},
		{"panics", func(*deferredtest.Clock, **deferred.LoopingCall) *deferred.Deferred[struct{}] {
			panic("looping")
		}, func(err error) bool { var pe *deferred.PanicError; return errors.As(err, &pe) && pe.Value == "looping" }},
		{"hands back nil", func(*deferredtest.Clock, **deferred.LoopingCall) *deferred.Deferred[struct{}] {
			return nil
		}, func(err error) bool { return err != nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := new(deferredtest.Clock)
			var lc *deferred.LoopingCall
			calls := 0
			lc = deferred.NewLoopingCall(c, func(int) *deferred.Deferred[struct{}] { calls++; return tt.f(c, &lc) })
			d := lc.Start(time.Second, false)
			c.Pump([]time.Duration{time.Second, 300 * time.Millisecond})
			handleAtEnd(t, d)
			if err := mustFail(t, d); !tt.check(err) {
				t.Fatalf("Start's Deferred failed with %v", err)
			}
			c.Advance(time.Minute)
			if calls != 1 || lc.Running() || len(c.Pending()) != 0 {
				t.Fatalf("after the failure: %d calls, running %v, pending %v", calls, lc.Running(), c.Pending())
			}
		})
	}
}

// Stop while a call's Deferred is pending: no further call; Start's
// Deferred fires once that one has.
func TestLoopingCallStopWhileACallIsUnderWay(t *testing.T) {
	c := new(deferredtest.Clock)
	pending := deferred.New[struct{}](nil)
	calls := 0
	lc := deferred.NewLoopingCall(c, func(int) *deferred.Deferred[struct{}] { calls++; return pending })
	d := lc.Start(time.Second, true)
	if !lc.Stop() {
		t.Fatal("Stop = false while running")
	}
	mustPend(t, d)
	defer func() {
		if recover() == nil {
			t.Error("Start while the stopped loop's call is under way did not panic")
		}
		pending.Callback(struct{}{})
		mustSucceed(t, d)
		c.Advance(time.Minute)
		if calls != 1 {
			t.Errorf("%d calls, want 1", calls)
		}
		// Stopped for good, it starts again.
		lc.Start(time.Second, false)
		c.Advance(time.Second)
		if calls != 2 {
			t.Errorf("%d calls after a new Start, want 2", calls)
		}
	}()
	lc.Start(time.Second, false)
}

// Cancelling Start's Deferred stops the loop: between calls it fails at
// once; during a call it cancels the call's Deferred, and fails with the
// *CancelledError, also when that Deferred's canceller fires it with a
// value.
func TestLoopingCallCancel(t *testing.T) {
	t.Run("between calls", func(t *testing.T) {
		c := new(deferredtest.Clock)
		calls := 0
		lc := deferred.NewLoopingCall(c, func(int) *deferred.Deferred[struct{}] { calls++; return finished() })
		d := lc.Start(time.Second, true)
		d.CancelWithReason("shutting down")
		handleAtEnd(t, d)
		if ce := mustBeCancelled(t, d); ce.Reason != "shutting down" {
			t.Fatalf("reason %q", ce.Reason)
		}
		c.Advance(time.Minute)
		if calls != 1 || lc.Running() || len(c.Pending()) != 0 {
			t.Fatalf("after Cancel: %d calls, running %v, pending %v", calls, lc.Running(), c.Pending())
		}
	})
	for _, fires := range []bool{false, true} {
		name := "during a call"
		if fires {
			name += " whose canceller fires a value"
		}
		t.Run(name, func(t *testing.T) {
			c := new(deferredtest.Clock)
			var inner *deferred.Deferred[struct{}]
			lc := deferred.NewLoopingCall(c, func(int) *deferred.Deferred[struct{}] {
				inner = deferred.New(func(d *deferred.Deferred[struct{}]) {
					if fires {
						d.Callback(struct{}{})
					}
				})
				return inner
			})
			d := lc.Start(time.Second, false)
			c.Advance(time.Second)
			d.CancelWithReason("shutting down")
			handleAtEnd(t, d)
			handleAtEnd(t, inner)
			if !fires {
				if ce := mustBeCancelled(t, inner); ce.Reason != "shutting down" {
					t.Fatalf("the call's Deferred: reason %q", ce.Reason)
				}
			}
			if ce := mustBeCancelled(t, d); ce.Reason != "shutting down" {
				t.Fatalf("reason %q", ce.Reason)
			}
			if lc.Running() || len(c.Pending()) != 0 {
				t.Fatalf("running %v, pending %v after Cancel", lc.Running(), c.Pending())
			}
		})
	}
	t.Run("from the call", func(t *testing.T) {
		c := new(deferredtest.Clock)
		var d *deferred.Deferred[*deferred.LoopingCall]
		var inner *deferred.Deferred[struct{}]
		lc := deferred.NewLoopingCall(c, func(int) *deferred.Deferred[struct{}] {
			d.Cancel()
			inner = deferred.New[struct{}](nil)
			return inner
		})
		d = lc.Start(time.Second, false)
		c.Advance(time.Second)
		handleAtEnd(t, d)
		handleAtEnd(t, inner)
		mustBeCancelled(t, inner)
		mustBeCancelled(t, d)
	})
	t.Run("after it stopped", func(t *testing.T) {
		c := new(deferredtest.Clock)
		lc := deferred.NewLoopingCall(c, func(int) *deferred.Deferred[struct{}] { return finished() })
		d := lc.Start(time.Second, false)
		lc.Stop()
		d.Cancel()
		mustSucceed(t, d)
	})
}

// Twisted's testBadDelay, and the programming errors Twisted asserts on.
func TestLoopingCallMisusePanics(t *testing.T) {
	c := new(deferredtest.Clock)
	lc := deferred.NewLoopingCall(c, func(int) *deferred.Deferred[struct{}] { return finished() })
	tests := []struct {
		name string
		f    func()
	}{
		{"negative interval", func() { lc.Start(-time.Second, true) }},
		{"Start while running", func() { lc.Start(time.Second, false); lc.Start(time.Second, false) }},
		{"nil function", func() { deferred.NewLoopingCall(c, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if panicValue(tt.f) == nil {
				t.Fatal("no panic")
			}
		})
	}
	lc.Stop()
}

// On the real clock, the calls come on the timers' goroutines, one at a
// time, until Stop.
func TestLoopingCallOnTheRealClock(t *testing.T) {
	calls := make(chan int, 100)
	lc := deferred.NewLoopingCall(nil, func(n int) *deferred.Deferred[struct{}] { calls <- n; return finished() })
	d := lc.Start(time.Millisecond, false)
	for range 3 {
		select {
		case <-calls:
		case <-time.After(10 * time.Second):
			t.Fatal("no call within 10s")
		}
	}
	lc.Stop()
	if _, err := waitResult(t, d); err != nil {
		t.Fatal(err)
	}
}
