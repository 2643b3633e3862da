package deferredtest

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Clock is a deferred.Clock whose time moves only when the test says so
// (Twisted's task.Clock): calls scheduled with AfterFunc run when Advance
// moves the time to theirs, on the goroutine that calls Advance. A test
// that drives a Timeout, a Sleep or a DeferLater with it is deterministic
// and takes no real time.
//
// The zero Clock is ready to use; its time starts at the Unix epoch,
// 1970-01-01T00:00:00Z, as task.Clock's starts at 0. A Clock is safe for
// concurrent use; it must not be copied after first use.
type Clock struct {
	mu    sync.Mutex
	now   time.Duration // since the epoch
	seq   uint64        // orders calls scheduled for the same time
	calls []*call       // pending, in the order they will run
}

var _ deferred.Clock = (*Clock)(nil)

var epoch = time.Unix(0, 0).UTC()

// A call is one pending AfterFunc; its Stop removes it.
type call struct {
	c   *Clock
	at  time.Duration
	seq uint64
	f   func()
}

func compareCalls(a, b *call) int {
	if c := cmp.Compare(a.at, b.at); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return epoch.Add(c.now)
}

// AfterFunc schedules f to run when the clock reaches Now()+d. Calls for the
// same time run in the order they were scheduled. A d of zero or less makes
// f due at once: it runs at the next Advance, even Advance(0). AfterFunc
// panics if f is nil.
func (c *Clock) AfterFunc(d time.Duration, f func()) deferred.Timer {
	if f == nil {
		panic("deferredtest: AfterFunc with a nil function")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := &call{c: c, at: c.now + d, seq: c.seq, f: f}
	c.seq++
	c.insertLocked(k)
	return k
}

// Stop removes the call from the clock, if it is still pending, and reports
// whether it did.
func (k *call) Stop() bool {
	c := k.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.removeLocked(k)
}

// Reset schedules the call for Now()+d, pending or not, after the calls
// already scheduled for that time, and reports whether it was pending. A
// call may reset itself while it runs: it runs again when its new time
// comes, in the same Advance if that is within the span advanced.
func (k *call) Reset(d time.Duration) bool {
	c := k.c
	c.mu.Lock()
	defer c.mu.Unlock()
	was := c.removeLocked(k)
	k.at, k.seq = c.now+d, c.seq
	c.seq++
	c.insertLocked(k)
	return was
}

// Active reports whether the call is pending: it has neither started nor
// been stopped.
func (k *call) Active() bool {
	c := k.c
	c.mu.Lock()
	defer c.mu.Unlock()
	_, found := slices.BinarySearchFunc(c.calls, k, compareCalls)
	return found
}

// When returns the time the call is, or was, due.
func (k *call) When() time.Time {
	c := k.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return epoch.Add(k.at)
}

func (c *Clock) insertLocked(k *call) {
	i, _ := slices.BinarySearchFunc(c.calls, k, compareCalls)
	c.calls = slices.Insert(c.calls, i, k)
}

func (c *Clock) removeLocked(k *call) bool {
	i, found := slices.BinarySearchFunc(c.calls, k, compareCalls)
	if !found {
		return false
	}
	c.calls = slices.Delete(c.calls, i, i+1)
	return true
}

// Advance moves the clock forward by d, running every call that falls due
// on the way, in time order, on the calling goroutine. Before each call runs,
// the clock reads that call's time, so a call sees the time it was scheduled
// for, and a call it schedules for a time within the advanced span runs in
// the same Advance: Advance(a+b) does what Advance(a) then Advance(b) does.
// (Twisted's task.Clock moves to the end first, so there only calls
// scheduled with no delay run in the same advance.) When Advance returns,
// the clock reads its start time plus d, or later if a call advanced it
// further.
//
// Advance may be called from a call it runs, and from several goroutines at
// once; the clock never moves backwards. It panics if d is negative.
func (c *Clock) Advance(d time.Duration) {
	if d < 0 {
		panic("deferredtest: Advance with a negative duration")
	}
	c.mu.Lock()
	end := c.now + d
	for len(c.calls) > 0 && c.calls[0].at <= end {
		k := c.calls[0]
		c.calls = slices.Delete(c.calls, 0, 1)
		c.now = max(c.now, k.at)
		c.mu.Unlock()
		k.f()
		c.mu.Lock()
	}
	c.now = max(c.now, end)
	c.mu.Unlock()
}

// Pump advances the clock by each step in turn (Twisted's Clock.pump):
// code that polls or retries sees every intermediate time.
func (c *Clock) Pump(steps []time.Duration) {
	for _, d := range steps {
		c.Advance(d)
	}
}

// Pending returns the times of the calls that have not run yet, in the order
// they will run. A test uses it to check that a timer was set, or stopped.
func (c *Clock) Pending() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := make([]time.Time, len(c.calls))
	for i, k := range c.calls {
		ts[i] = epoch.Add(k.at)
	}
	return ts
}
