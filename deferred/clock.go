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
type Timer interface {
	// Stop prevents the call from happening. It reports whether it did so:
	// false if the call has already run, started, or been stopped.
	Stop() bool
}

// RealClock is the Clock of package time. Its AfterFunc is time.AfterFunc,
// so f runs on a goroutine of its own: Deferreds that a timer fires, and the
// callbacks and async functions waiting on them, run on that goroutine.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// AfterFunc returns time.AfterFunc(d, f).
func (RealClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

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
