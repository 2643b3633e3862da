package deferred

import (
	"sync"
	"time"
)

// A Clock tells the time and calls functions later: what Twisted's
// IReactorTime gives to code that waits. Timeout, Sleep and DeferLater take
// one, so that tests can pass a clock they move by hand (deferredtest.Clock)
// instead of waiting for real time to pass. A nil Clock means RealClock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc arranges for f to be called once d has elapsed, and returns
	// a Timer that can stop it (Twisted's callLater). On which goroutine f
	// runs is up to the Clock.
	AfterFunc(d time.Duration, f func()) Timer
}

// A Timer is a call scheduled by Clock.AfterFunc (Twisted's IDelayedCall).
// A Timer is pending from AfterFunc until the call starts or Stop stops
// it; Reset makes it pending again.
type Timer interface {
	// Stop prevents the call from happening (IDelayedCall.cancel). It
	// reports whether it did so: false if the call has already run,
	// started, or been stopped.
	Stop() bool
	// Reset schedules the call for d from the clock's current time
	// (IDelayedCall.reset; IDelayedCall.delay is Reset(When() - Now() + d)),
	// whether it is pending, has run or has been stopped, as time.Timer's
	// Reset does. It reports whether the call was pending.
	Reset(d time.Duration) bool
	// Active reports whether the call is pending: it has neither started
	// nor been stopped (IDelayedCall.active).
	Active() bool
	// When returns the time, on the clock, at which the call is or was due
	// (IDelayedCall.getTime).
	When() time.Time
}

// RealClock is the Clock of package time. Its AfterFunc schedules f with
// time.AfterFunc, so f runs on a goroutine of its own: Deferreds that a
// timer fires, and the callbacks and async functions waiting on them, run
// on that goroutine.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// AfterFunc calls f on a goroutine of its own once d has elapsed, with
// time.AfterFunc.
func (RealClock) AfterFunc(d time.Duration, f func()) Timer {
	if f == nil {
		panic("deferred: AfterFunc with a nil function")
	}
	rt := &realTimer{f: f}
	rt.mu.Lock()
	rt.scheduleLocked(d)
	rt.mu.Unlock()
	return rt
}

// A realTimer is a call scheduled on the RealClock. Each schedule (the
// first, and every Reset) has its own time.Timer and generation: a timer
// whose goroutine has started cannot be taken back, and its call is
// dropped if the Timer was stopped or scheduled again meanwhile, so that f
// runs once per schedule that was not stopped.
type realTimer struct {
	f      func()
	mu     sync.Mutex
	timer  *time.Timer
	gen    uint64 // the current schedule
	active bool
	when   time.Time
}

func (rt *realTimer) scheduleLocked(d time.Duration) {
	rt.gen++
	gen := rt.gen
	rt.active, rt.when = true, time.Now().Add(d)
	rt.timer = time.AfterFunc(d, func() { rt.fire(gen) })
}

func (rt *realTimer) fire(gen uint64) {
	rt.mu.Lock()
	if gen != rt.gen || !rt.active {
		rt.mu.Unlock()
		return
	}
	rt.active = false
	rt.mu.Unlock()
	rt.f()
}

func (rt *realTimer) Stop() bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	was := rt.active
	rt.active = false
	rt.timer.Stop()
	return was
}

func (rt *realTimer) Reset(d time.Duration) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	was := rt.active
	rt.timer.Stop()
	rt.scheduleLocked(d)
	return was
}

func (rt *realTimer) Active() bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.active
}

func (rt *realTimer) When() time.Time {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.when
}

func clockOrReal(c Clock) Clock {
	if c == nil {
		return RealClock{}
	}
	return c
}

// Sleep returns a Deferred that fires once delay has elapsed on clock
// (RealClock if nil). Cancelling it stops the timer and fails it with a
// *CancelledError. It fires on the goroutine the clock runs its timers on.
func Sleep(clock Clock, delay time.Duration) *Deferred[struct{}] {
	return DeferLater(clock, delay, func() (struct{}, error) { return struct{}{}, nil })
}

// DeferLater returns a Deferred that fires with the result of f, called
// once delay has elapsed on clock (RealClock if nil), on the goroutine the
// clock runs its timers on (Twisted's task.deferLater). A panic in f fails
// it with a *PanicError. Cancelling it before f starts stops the timer, so f
// is never called, and fails it with a *CancelledError; a cancel that comes
// while f runs fails it at once, and f's result is dropped. DeferLater
// panics if f is nil.
func DeferLater[T any](clock Clock, delay time.Duration, f func() (T, error)) *Deferred[T] {
	if f == nil {
		panic("deferred: DeferLater with a nil function")
	}
	l := &later{}
	d := New(func(*Deferred[T]) { l.stop() })
	timer := clockOrReal(clock).AfterFunc(delay, func() {
		if !l.start() {
			return
		}
		d.resolve(callStage1(nil, func(struct{}) (T, error) { return f() }, struct{}{}))
	})
	// No one can cancel d before it is returned, so the canceller always
	// finds the timer.
	l.mu.Lock()
	l.timer = timer
	l.mu.Unlock()
	return d
}

// later is the state DeferLater's timer and canceller share: whichever of
// start and stop comes first wins.
type later struct {
	mu      sync.Mutex
	timer   Timer
	started bool
	stopped bool
}

// start reports whether the timer may call f: d was not cancelled first.
func (l *later) start() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return false
	}
	l.started = true
	return true
}

// stop is the canceller: it keeps f from being called and stops the timer.
func (l *later) stop() {
	l.mu.Lock()
	if l.started {
		l.mu.Unlock()
		return
	}
	l.stopped = true
	timer := l.timer
	l.mu.Unlock()
	timer.Stop()
}
