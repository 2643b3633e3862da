package deferred

import (
	"sync"
	"time"
)

// LoopingCall calls a function every interval on a Clock (Twisted's
// task.LoopingCall): Start begins the calls, Stop ends them. If the
// function hands back a Deferred that has not fired, the next call waits
// for it. Calls are kept on the grid of intervals from Start: when a call
// (or the Deferred it hands back) takes longer than an interval, or the
// clock's timer comes late, the intervals missed are skipped, not made up
// with calls in a row, and the next call tells how many intervals have
// passed since the one before (Twisted's LoopingCall.withCount).
//
// Create one with NewLoopingCall. Its methods may be called from any
// goroutine; the function runs on the goroutine of the clock's timer (for
// Start's first call with now, on Start's caller), never twice at once.
type LoopingCall struct {
	clock Clock
	f     func(count int) *Deferred[struct{}]

	mu       sync.Mutex
	running  bool // between Start and Stop (or a failure)
	interval time.Duration
	start    time.Time // the origin of the grid of intervals
	last     time.Time // the time of the last call, for its count
	timer    Timer     // the next call, while it is scheduled
	calling  bool      // f runs, or the Deferred it handed back
	inFlight *Deferred[struct{}]
	done     *Deferred[*LoopingCall] // Start's; nil while stopped
	// cancelled is set by a Cancel of done, with its reason: the loop
	// stops, and done fails with a *CancelledError.
	cancelled bool
	reason    string
}

// NewLoopingCall returns a stopped LoopingCall of f on clock (RealClock if
// nil). Each call of f gets the number of intervals that have passed since
// the call before (since Start, for the first): 1, unless intervals were
// missed. f hands back a Deferred that the loop waits for before it
// schedules the next call (Succeed(struct{}{}) when f is done at once);
// if that Deferred fails, or f panics or hands back nil, the loop stops
// and the Deferred from Start fails with the error. NewLoopingCall panics
// if f is nil.
func NewLoopingCall(clock Clock, f func(count int) *Deferred[struct{}]) *LoopingCall {
	if f == nil {
		panic("deferred: NewLoopingCall with a nil function")
	}
	return &LoopingCall{clock: clockOrReal(clock), f: f}
}

// Start begins calling f every interval: at once, on this goroutine, if
// now is true, else once the first interval has elapsed. An interval of 0
// calls f again as soon as the clock runs its due timers, after the
// Deferred of the call before has fired.
//
// The returned Deferred fires with lc once the loop has stopped: at Stop,
// or, if a call is under way then, once it has finished. It fails with the
// error of a call that failed (which stops the loop). Cancelling it stops
// the loop and cancels the call under way, if any; it then fails with a
// *CancelledError, or the other error that call fails with.
//
// Start panics if lc is running, or stopped with its last call still under
// way, or if interval is negative (Twisted asserts and raises ValueError).
func (lc *LoopingCall) Start(interval time.Duration, now bool) *Deferred[*LoopingCall] {
	if interval < 0 {
		panic("deferred: LoopingCall.Start with a negative interval")
	}
	lc.mu.Lock()
	if lc.running || lc.done != nil {
		lc.mu.Unlock()
		panic("deferred: LoopingCall.Start on a running LoopingCall")
	}
	done := newBound[*LoopingCall](lc)
	lc.running, lc.interval, lc.done = true, interval, done
	lc.cancelled, lc.reason = false, ""
	lc.start = lc.clock.Now()
	lc.last = lc.start
	if now {
		lc.last = lc.start.Add(-interval)
		lc.callLocked()
	} else {
		lc.scheduleLocked(lc.start)
		lc.mu.Unlock()
	}
	return done
}

// Stop ends the loop: no further call is made. If no call is under way,
// the Deferred from Start fires now, with lc; if one is, it fires once that
// call has finished. Stop reports whether lc was running (Twisted asserts
// that it is).
func (lc *LoopingCall) Stop() bool {
	lc.mu.Lock()
	if !lc.running {
		lc.mu.Unlock()
		return false
	}
	lc.running = false
	if lc.calling {
		lc.mu.Unlock()
		return true
	}
	lc.stopTimerLocked()
	lc.finishLocked(nil)
	return true
}

// Reset skips the next call and starts the grid of intervals again from
// now (Twisted's LoopingCall.reset): the next call comes one interval from
// now. It does nothing unless lc is running and waiting for its next call.
func (lc *LoopingCall) Reset() {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if !lc.running || lc.calling {
		return
	}
	lc.stopTimerLocked()
	lc.start = lc.clock.Now()
	lc.last = lc.start
	lc.scheduleLocked(lc.start)
}

// Running reports whether lc is running: between Start and Stop, or the
// failure of a call.
func (lc *LoopingCall) Running() bool {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return lc.running
}

// scheduleLocked schedules the next call for the first time on the grid
// of intervals after from (Twisted's _scheduleFrom): a time that is now is
// not in the future, and is skipped.
func (lc *LoopingCall) scheduleLocked(from time.Time) {
	delay := time.Duration(0)
	if lc.interval > 0 {
		delay = lc.interval - from.Sub(lc.start)%lc.interval
	}
	var timer Timer
	timer = lc.clock.AfterFunc(delay, func() {
		lc.mu.Lock()
		if lc.timer != timer {
			lc.mu.Unlock() // stopped or reset meanwhile
			return
		}
		lc.callLocked()
	})
	lc.timer = timer
}

func (lc *LoopingCall) stopTimerLocked() {
	if lc.timer != nil {
		lc.timer.Stop()
		lc.timer = nil
	}
}

// callLocked calls f, and waits for the Deferred it hands back. lc.mu is
// held, and released.
func (lc *LoopingCall) callLocked() {
	lc.timer = nil
	now := lc.clock.Now()
	count := 1
	if lc.interval > 0 {
		count = max(1, lc.intervalOf(now)-lc.intervalOf(lc.last))
	}
	lc.last = now
	lc.calling = true
	lc.mu.Unlock()

	exiting := true
	defer lc.exitedIfExiting(&exiting)
	d, err := callChained(nil, func(n int) *Deferred[struct{}] { return lc.f(n) }, count)
	exiting = false
	if err != nil {
		d = Fail[struct{}](err)
	}
	lc.mu.Lock()
	lc.inFlight = d
	cancelled, reason := lc.cancelled, lc.reason
	lc.mu.Unlock()
	if cancelled {
		d.cancel(reason) // the loop was cancelled while f ran
	}
	d.observe(observerFunc[struct{}](lc.called))
}

// exitedIfExiting ends the loop if *exiting: f exited its goroutine
// (runtime.Goexit) instead of returning. The Deferred from Start fails with
// ErrGoexit; its stages run when a stage is next added to it.
func (lc *LoopingCall) exitedIfExiting(exiting *bool) {
	if !*exiting {
		return
	}
	lc.mu.Lock()
	done := lc.done
	lc.calling, lc.running, lc.done = false, false, nil
	lc.mu.Unlock()
	done.settle(nil, ErrGoexit)
}

// intervalOf is the number of whole intervals from the start to t.
func (lc *LoopingCall) intervalOf(t time.Time) int {
	return int(t.Sub(lc.start) / lc.interval)
}

// called receives the result of a call.
func (lc *LoopingCall) called(_ struct{}, err error) {
	lc.mu.Lock()
	lc.calling, lc.inFlight = false, nil
	switch {
	case err != nil:
		lc.running = false
		lc.finishLocked(err)
	case lc.running:
		lc.scheduleLocked(lc.clock.Now())
		lc.mu.Unlock()
	default:
		lc.finishLocked(nil)
	}
}

// finishLocked fires the Deferred from Start, with lc or err, once the
// loop has stopped. lc.mu is held, and released.
func (lc *LoopingCall) finishLocked(err error) {
	done := lc.done
	lc.done = nil
	if err == nil && lc.cancelled {
		err = &CancelledError{Reason: lc.reason}
	}
	lc.mu.Unlock()
	if err != nil {
		done.resolve(nil, err)
	} else {
		done.resolve(lc, nil)
	}
}

// cancel implements cancelTarget for the Deferred from Start: it stops the
// loop and cancels the call under way.
func (lc *LoopingCall) cancel(reason string) bool {
	lc.mu.Lock()
	if lc.done == nil {
		lc.mu.Unlock()
		return false
	}
	if !lc.cancelled {
		lc.cancelled, lc.reason = true, reason
	}
	lc.running = false
	if !lc.calling {
		lc.stopTimerLocked()
		lc.finishLocked(nil)
		return true
	}
	d := lc.inFlight
	lc.mu.Unlock()
	if d != nil {
		d.cancel(reason)
	}
	return true
}
