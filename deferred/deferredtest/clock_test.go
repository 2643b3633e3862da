package deferredtest_test

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
)

var clockEpoch = time.Unix(0, 0).UTC()

func TestClockStartsAtEpochAndStandsStill(t *testing.T) {
	var c deferredtest.Clock
	if got := c.Now(); !got.Equal(clockEpoch) {
		t.Fatalf("Now() = %v, want %v", got, clockEpoch)
	}
	time.Sleep(time.Millisecond)
	if got := c.Now(); !got.Equal(clockEpoch) {
		t.Fatalf("after real time passed, Now() = %v, want %v", got, clockEpoch)
	}
	if p := c.Pending(); len(p) != 0 {
		t.Fatalf("Pending() = %v on a new clock", p)
	}
}

func TestClockAdvanceMovesNow(t *testing.T) {
	var c deferredtest.Clock
	c.Advance(3 * time.Second)
	c.Advance(0)
	c.Advance(2 * time.Second)
	if got, want := c.Now(), clockEpoch.Add(5*time.Second); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}
}

// clockLog records which calls ran, and the time each saw.
type clockLog struct {
	mu  sync.Mutex
	c   *deferredtest.Clock
	ran []string
}

func (l *clockLog) call(name string) func() {
	return func() {
		at := l.c.Now().Sub(clockEpoch)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.ran = append(l.ran, fmt.Sprintf("%s@%v", name, at))
	}
}

func (l *clockLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.ran
	l.ran = nil
	return r
}

func TestClockRunsCallsWhenDueInTimeOrder(t *testing.T) {
	type sched struct {
		name  string
		delay time.Duration
	}
	tests := []struct {
		name    string
		sched   []sched
		advance []time.Duration
		want    [][]string // what each Advance runs
	}{
		{
			name:    "not before its time, exactly at it",
			sched:   []sched{{"a", 10 * time.Second}},
			advance: []time.Duration{10*time.Second - 1, 1},
			want:    [][]string{nil, {"a@10s"}},
		},
		{
			name:    "time order, not scheduling order",
			sched:   []sched{{"c", 3 * time.Second}, {"a", time.Second}, {"b", 2 * time.Second}},
			advance: []time.Duration{5 * time.Second},
			want:    [][]string{{"a@1s", "b@2s", "c@3s"}},
		},
		{
			name:    "same time: scheduling order",
			sched:   []sched{{"x", time.Second}, {"y", time.Second}, {"z", time.Second}},
			advance: []time.Duration{time.Second},
			want:    [][]string{{"x@1s", "y@1s", "z@1s"}},
		},
		{
			name:    "zero and negative delays are due at the next Advance(0)",
			sched:   []sched{{"zero", 0}, {"neg", -time.Second}},
			advance: []time.Duration{0},
			want:    [][]string{{"neg@0s", "zero@0s"}},
		},
		{
			name:    "split over several advances",
			sched:   []sched{{"a", time.Second}, {"b", 4 * time.Second}},
			advance: []time.Duration{2 * time.Second, time.Second, time.Second},
			want:    [][]string{{"a@1s"}, nil, {"b@4s"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := new(deferredtest.Clock)
			l := &clockLog{c: c}
			for _, s := range tt.sched {
				c.AfterFunc(s.delay, l.call(s.name))
			}
			for i, d := range tt.advance {
				c.Advance(d)
				if got := l.take(); !slices.Equal(got, tt.want[i]) {
					t.Errorf("Advance #%d (%v) ran %q, want %q", i, d, got, tt.want[i])
				}
			}
		})
	}
}

// A call scheduled while Advance runs, for a time inside the span being
// advanced, runs in the same Advance, at its own time; one beyond the span
// waits. So Advance(10s) runs the same calls, at the same times, as ten
// Advance(1s).
func TestClockCallsScheduledDuringAdvance(t *testing.T) {
	run := func(steps []time.Duration) []string {
		c := new(deferredtest.Clock)
		l := &clockLog{c: c}
		var tick func()
		tick = func() {
			l.call("tick")()
			c.AfterFunc(3*time.Second, tick) // a repeating timer
		}
		c.AfterFunc(time.Second, tick)
		c.AfterFunc(2*time.Second, func() {
			l.call("now")()
			c.AfterFunc(0, l.call("zero"))
		})
		c.Pump(steps)
		if got, want := c.Now(), clockEpoch.Add(10*time.Second); !got.Equal(want) {
			t.Errorf("Pump(%v): Now() = %v, want %v", steps, got, want)
		}
		return l.take()
	}
	want := []string{"tick@1s", "now@2s", "zero@2s", "tick@4s", "tick@7s", "tick@10s"}
	whole := run([]time.Duration{10 * time.Second})
	if !slices.Equal(whole, want) {
		t.Errorf("Advance(10s) ran %q, want %q", whole, want)
	}
	steps := slices.Repeat([]time.Duration{time.Second}, 10)
	if got := run(steps); !slices.Equal(got, want) {
		t.Errorf("ten Advance(1s) ran %q, want %q", got, want)
	}
}

func TestClockPump(t *testing.T) {
	c := new(deferredtest.Clock)
	l := &clockLog{c: c}
	for _, d := range []int{1, 3, 4, 9} {
		c.AfterFunc(time.Duration(d)*time.Second, l.call(fmt.Sprint(d)))
	}
	c.Pump(nil)
	if got := c.Now(); !got.Equal(clockEpoch) {
		t.Fatalf("Pump(nil) moved the clock to %v", got)
	}
	c.Pump([]time.Duration{time.Second, 0, 2 * time.Second, time.Second})
	if got, want := l.take(), []string{"1@1s", "3@3s", "4@4s"}; !slices.Equal(got, want) {
		t.Errorf("ran %q, want %q", got, want)
	}
	if got, want := c.Now(), clockEpoch.Add(4*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
}

func TestClockStop(t *testing.T) {
	c := new(deferredtest.Clock)
	l := &clockLog{c: c}
	a := c.AfterFunc(time.Second, l.call("a"))
	b := c.AfterFunc(2*time.Second, l.call("b"))
	if !a.Stop() {
		t.Fatal("Stop of a pending call = false, want true")
	}
	if a.Stop() {
		t.Fatal("second Stop = true, want false")
	}
	if got, want := c.Pending(), []time.Time{clockEpoch.Add(2 * time.Second)}; !slices.Equal(got, want) {
		t.Fatalf("Pending() = %v, want %v", got, want)
	}
	c.Advance(5 * time.Second)
	if got := l.take(); !slices.Equal(got, []string{"b@2s"}) {
		t.Fatalf("ran %q, want only b", got)
	}
	if b.Stop() {
		t.Fatal("Stop of a call that ran = true, want false")
	}
}

// The rest of Twisted's IDelayedCall on the Clock's calls: When is
// getTime, Active is active (testCallLater, testCallLaterCancelled,
// testAdvance), and a call that stops itself while it runs finds itself
// not pending (testAdvanceCancel).
func TestClockTimerWhenAndActive(t *testing.T) {
	c := new(deferredtest.Clock)
	c.Advance(time.Minute)
	k := c.AfterFunc(time.Second, func() {})
	if got, want := k.When(), clockEpoch.Add(time.Minute+time.Second); !got.Equal(want) {
		t.Fatalf("When() = %v, want %v", got, want)
	}
	if !k.Active() {
		t.Fatal("Active() = false for a pending call")
	}
	c.Advance(time.Second)
	if k.Active() {
		t.Fatal("Active() = true for a call that ran")
	}
	stopped := c.AfterFunc(time.Second, func() {})
	stopped.Stop()
	if stopped.Active() {
		t.Fatal("Active() = true for a stopped call")
	}
	var self deferred.Timer
	var activeInside, stoppedInside bool
	self = c.AfterFunc(time.Second, func() { activeInside, stoppedInside = self.Active(), self.Stop() })
	c.Advance(time.Second)
	if activeInside || stoppedInside {
		t.Fatalf("inside its own call: Active() = %v, Stop() = %v, want false, false", activeInside, stoppedInside)
	}
}

// Twisted's testCallLaterResetLater, testCallLaterResetSooner and
// testCallLaterDelayed (delay is Reset from the call's own time).
func TestClockTimerReset(t *testing.T) {
	tests := []struct {
		name    string
		delay   time.Duration
		advance time.Duration // before the change
		change  func(c *deferredtest.Clock, k deferred.Timer)
		due     time.Duration // since the epoch
	}{
		{"later", 2 * time.Second, time.Second, func(_ *deferredtest.Clock, k deferred.Timer) { k.Reset(3 * time.Second) }, 4 * time.Second},
		{"sooner", 4 * time.Second, 0, func(_ *deferredtest.Clock, k deferred.Timer) { k.Reset(3 * time.Second) }, 3 * time.Second},
		{"delayed", time.Second, 0, func(c *deferredtest.Clock, k deferred.Timer) { k.Reset(k.When().Sub(c.Now()) + time.Second) }, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := new(deferredtest.Clock)
			l := &clockLog{c: c}
			k := c.AfterFunc(tt.delay, l.call("k"))
			c.Advance(tt.advance)
			tt.change(c, k)
			if got, want := k.When(), clockEpoch.Add(tt.due); !got.Equal(want) {
				t.Fatalf("When() = %v after the change, want %v", got, want)
			}
			c.Advance(tt.due - tt.advance - 1)
			if got := l.take(); len(got) != 0 {
				t.Fatalf("ran %q before its new time", got)
			}
			c.Advance(1)
			if got, want := l.take(), []string{fmt.Sprintf("k@%v", tt.due)}; !slices.Equal(got, want) {
				t.Fatalf("ran %q, want %q", got, want)
			}
		})
	}
}

// Reset reports whether the call was pending, and schedules it again in
// any case, as time.Timer's Reset does (Twisted's reset raises on a call
// that has run or been cancelled).
func TestClockTimerResetAfterRunOrStop(t *testing.T) {
	c := new(deferredtest.Clock)
	l := &clockLog{c: c}
	k := c.AfterFunc(time.Second, l.call("k"))
	if !k.Reset(time.Second) {
		t.Fatal("Reset of a pending call = false")
	}
	c.Advance(time.Second)
	if k.Reset(time.Second) {
		t.Fatal("Reset of a call that ran = true")
	}
	if !k.Active() {
		t.Fatal("a call that ran is not pending after Reset")
	}
	c.Advance(time.Second)
	k.Stop()
	if k.Reset(time.Second) {
		t.Fatal("Reset of a stopped call = true")
	}
	c.Advance(time.Second)
	if got, want := l.take(), []string{"k@1s", "k@2s", "k@3s"}; !slices.Equal(got, want) {
		t.Fatalf("ran %q, want %q", got, want)
	}
}

// Twisted's test_callLaterKeepsCallsOrdered,
// test_callLaterResetKeepsCallsOrdered and
// test_callLaterResetInsideCallKeepsCallsOrdered: a reset call takes its
// place by its new time, also when a call resets another one.
func TestClockTimerResetKeepsCallsOrdered(t *testing.T) {
	t.Run("reset, then schedule", func(t *testing.T) {
		c := new(deferredtest.Clock)
		l := &clockLog{c: c}
		a := c.AfterFunc(time.Second, l.call("a"))
		a.Reset(3 * time.Second)
		c.AfterFunc(2*time.Second, l.call("b"))
		c.Pump([]time.Duration{time.Second, time.Second, time.Second})
		if got, want := l.take(), []string{"b@2s", "a@3s"}; !slices.Equal(got, want) {
			t.Fatalf("ran %q, want %q", got, want)
		}
	})
	t.Run("schedule, then reset", func(t *testing.T) {
		c := new(deferredtest.Clock)
		l := &clockLog{c: c}
		a := c.AfterFunc(time.Second, l.call("a"))
		c.AfterFunc(2*time.Second, l.call("b"))
		a.Reset(3 * time.Second)
		c.Pump([]time.Duration{time.Second, time.Second, time.Second})
		if got, want := l.take(), []string{"b@2s", "a@3s"}; !slices.Equal(got, want) {
			t.Fatalf("ran %q, want %q", got, want)
		}
	})
	t.Run("reset from a call", func(t *testing.T) {
		c := new(deferredtest.Clock)
		l := &clockLog{c: c}
		b := c.AfterFunc(2*time.Second, l.call("b"))
		c.AfterFunc(time.Second, func() { b.Reset(3 * time.Second) })
		c.AfterFunc(3*time.Second, l.call("c"))
		steps := make([]time.Duration, 10)
		for i := range steps {
			steps[i] = 500 * time.Millisecond
		}
		c.Pump(steps)
		if got, want := l.take(), []string{"c@3s", "b@4s"}; !slices.Equal(got, want) {
			t.Fatalf("ran %q, want %q", got, want)
		}
	})
}

// A call that resets itself runs again at its new time, in the same
// Advance if that time is within the span advanced.
func TestClockTimerResetsItself(t *testing.T) {
	c := new(deferredtest.Clock)
	l := &clockLog{c: c}
	var k deferred.Timer
	n := 0
	k = c.AfterFunc(time.Second, func() {
		l.call("k")()
		if n++; n < 3 {
			k.Reset(time.Second)
		}
	})
	c.Advance(10 * time.Second)
	if got, want := l.take(), []string{"k@1s", "k@2s", "k@3s"}; !slices.Equal(got, want) {
		t.Fatalf("ran %q, want %q", got, want)
	}
}

// A call that stops a later call due in the same Advance keeps it from
// running.
func TestClockStopFromACall(t *testing.T) {
	c := new(deferredtest.Clock)
	l := &clockLog{c: c}
	var later deferred.Timer
	stopped := false
	c.AfterFunc(time.Second, func() { stopped = later.Stop() })
	later = c.AfterFunc(2*time.Second, l.call("later"))
	c.Advance(3 * time.Second)
	if !stopped {
		t.Error("Stop from an earlier call = false, want true")
	}
	if got := l.take(); len(got) != 0 {
		t.Errorf("stopped call ran: %q", got)
	}
}

func TestClockPendingInRunOrder(t *testing.T) {
	c := new(deferredtest.Clock)
	c.Advance(time.Minute)
	for _, d := range []time.Duration{3, 1, 2, 1} {
		c.AfterFunc(d*time.Second, func() {})
	}
	start := clockEpoch.Add(time.Minute)
	want := []time.Time{start.Add(time.Second), start.Add(time.Second), start.Add(2 * time.Second), start.Add(3 * time.Second)}
	if got := c.Pending(); !slices.Equal(got, want) {
		t.Fatalf("Pending() = %v, want %v", got, want)
	}
	c.Advance(time.Second)
	if got := c.Pending(); !slices.Equal(got, want[2:]) {
		t.Fatalf("after Advance(1s), Pending() = %v, want %v", got, want[2:])
	}
}

// Advance called from a call advances from that call's time, and the outer
// Advance goes on to its own end.
func TestClockAdvanceFromACall(t *testing.T) {
	c := new(deferredtest.Clock)
	l := &clockLog{c: c}
	c.AfterFunc(time.Second, func() { c.Advance(2 * time.Second) })
	c.AfterFunc(2*time.Second, l.call("inner"))
	c.AfterFunc(4*time.Second, l.call("outer"))
	c.Advance(5 * time.Second)
	if got, want := l.take(), []string{"inner@2s", "outer@4s"}; !slices.Equal(got, want) {
		t.Errorf("ran %q, want %q", got, want)
	}
	if got, want := c.Now(), clockEpoch.Add(5*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
}

// When a call advances the clock past the end of the Advance that runs it,
// the clock does not go back.
func TestClockNeverGoesBack(t *testing.T) {
	c := new(deferredtest.Clock)
	c.AfterFunc(time.Second, func() { c.Advance(time.Hour) })
	c.Advance(2 * time.Second)
	if got, want := c.Now(), clockEpoch.Add(time.Hour+time.Second); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}
}

func TestClockBadInputPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func(c *deferredtest.Clock)
	}{
		{"negative Advance", func(c *deferredtest.Clock) { c.Advance(-time.Second) }},
		{"negative Pump step", func(c *deferredtest.Clock) { c.Pump([]time.Duration{time.Second, -1}) }},
		{"nil function", func(c *deferredtest.Clock) { c.AfterFunc(time.Second, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tt.f(new(deferredtest.Clock))
		})
	}
}

// Scheduling, stopping and advancing from many goroutines: every call either
// runs exactly once or is stopped (Stop reported true), never both.
func TestClockConcurrentUse(t *testing.T) {
	c := new(deferredtest.Clock)
	const workers, each = 8, 200
	var ran [workers * each]atomic.Int32
	var stopped [workers * each]bool
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				n := w*each + i
				k := c.AfterFunc(time.Duration(i%7)*time.Millisecond, func() { ran[n].Add(1) })
				if i%3 == 0 {
					stopped[n] = k.Stop()
				}
				if i%5 == 0 {
					c.Advance(time.Millisecond)
				}
				_ = c.Now()
				_ = c.Pending()
			}
		})
	}
	wg.Wait()
	c.Advance(time.Second)
	for n := range ran {
		r := ran[n].Load()
		switch {
		case stopped[n] && r != 0:
			t.Fatalf("call %d was stopped and ran %d times", n, r)
		case !stopped[n] && r != 1:
			t.Fatalf("call %d ran %d times, want 1", n, r)
		}
	}
	if p := c.Pending(); len(p) != 0 {
		t.Fatalf("%d calls still pending", len(p))
	}
}
