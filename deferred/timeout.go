package deferred

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrTimeout is the sentinel of timeouts: errors.Is(err, ErrTimeout) holds
// for every *TimeoutError.
var ErrTimeout = errors.New("deferred: timed out")

// TimeoutError is what a Deferred from Timeout fails with when its time ran
// out (Twisted's defer.TimeoutError). It is not a cancellation: the caller
// was not cancelled, the operation took too long, so errors.Is(err,
// ErrCancelled) is false and the caller may handle it like any failure
// (retry, fall back), as with context.DeadlineExceeded and context.Canceled.
type TimeoutError struct {
	After time.Duration // the timeout that expired
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("deferred: timed out after %v", e.After)
}

// Is reports whether target is ErrTimeout.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Timeout reports true, so that code that asks an error whether it is a
// timeout, as net.Error and os.IsTimeout do, gets the right answer.
func (e *TimeoutError) Timeout() bool { return true }

// Timeout returns a Deferred with d's result that gives up on d after the
// given duration on clock (RealClock if nil): Twisted's Deferred.addTimeout.
// If d has not fired when the time runs out, Timeout cancels d, with the
// reason "timed out after <after>", and turns the cancellation d fails with
// (any error that Is ErrCancelled) into a *TimeoutError. If d's canceller
// fires it with a value, or with another error, that result is kept. If d
// fires first, the timer is stopped.
//
// The timer's callback cancels d on the goroutine the clock runs timers on:
// for RealClock, a goroutine of its own, so d's callbacks, and an async
// function awaiting the result, run there.
//
// Cancelling the returned Deferred before the time runs out cancels d, and
// the *CancelledError is passed on as it is. Timeout reads d's result, as
// Then does; since it cancels d, give it a Deferred shared with other
// waiters only through StopCancellation or an Observe.
func Timeout[T any](d *Deferred[T], after time.Duration, clock Clock) *Deferred[T] {
	r := newBound[T](d)
	tm := &timing{}
	tm.timer = clockOrReal(clock).AfterFunc(after, func() {
		if tm.expire() {
			d.cancel(fmt.Sprintf("timed out after %v", after))
		}
	})
	d.observe(observerFunc[T](func(v T, err error) {
		if tm.finish() && err != nil && errors.Is(err, ErrCancelled) {
			var zero T
			v, err = zero, &TimeoutError{After: after}
		}
		r.resolve(v, err)
	}))
	return r
}

// timing is what Timeout's timer and d's observer share: whichever of
// expire and finish comes first decides whether d timed out.
type timing struct {
	timer    Timer // set before d is observed, so finish always sees it
	mu       sync.Mutex
	done     bool
	timedOut bool
}

// expire reports whether the timer should cancel d: d has not fired.
func (tm *timing) expire() bool {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if tm.done {
		return false
	}
	tm.timedOut = true
	return true
}

// finish records that d has fired, stops the timer, and reports whether d
// timed out first.
func (tm *timing) finish() (timedOut bool) {
	tm.mu.Lock()
	tm.done = true
	timedOut = tm.timedOut
	tm.mu.Unlock()
	if !timedOut {
		tm.timer.Stop()
	}
	return timedOut
}
