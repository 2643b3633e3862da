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
//
// Cause, when set, is what went wrong while cancelling the operation: a
// panic in its canceller, as a *PanicError (Synapse logs it as "Canceller
// failed during timeout"). errors.As finds it behind the timeout; a cause
// that is itself a cancellation is not kept, so that a timeout never Is
// ErrCancelled.
type TimeoutError struct {
	After time.Duration // the timeout that expired
	Cause error
}

func (e *TimeoutError) Error() string {
	msg := fmt.Sprintf("deferred: timed out after %v", e.After)
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns Cause.
func (e *TimeoutError) Unwrap() error { return e.Cause }

// Is reports whether target is ErrTimeout.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Timeout reports true, so that code that asks an error whether it is a
// timeout, as net.Error and os.IsTimeout do, gets the right answer.
func (e *TimeoutError) Timeout() bool { return true }

// Timeout returns a Deferred with d's result that gives up on d after the
// given duration on clock (RealClock if nil): Twisted's Deferred.addTimeout.
// If d has not fired when the time runs out, Timeout cancels d, with the
// reason "timed out after <after>", and turns the cancellation d fails with
// (any error that Is ErrCancelled) into a *TimeoutError, whose Cause is
// the panic of d's canceller if it panicked. If d's canceller
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
//
// Unlike Twisted's addTimeout, which rewrites the chain of the Deferred it
// is given, Timeout leaves d's chain as it is and returns a new Deferred:
// stages added to d after the call see the *CancelledError, only the
// returned Deferred sees the *TimeoutError. There is no onTimeoutCancel:
// to turn a timeout into something else, add an errback to the returned
// Deferred that tests errors.Is(err, ErrTimeout).
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
			v, err = zero, timedOut(after, err)
		}
		r.resolve(v, err)
	}))
	return r
}

// timedOut is the *TimeoutError that replaces the cancellation err of an
// operation that timed out, keeping the cause of that cancellation unless
// it is a cancellation too.
func timedOut(after time.Duration, err error) *TimeoutError {
	te := &TimeoutError{After: after}
	var ce *CancelledError
	if errors.As(err, &ce) && ce.Cause != nil && !errors.Is(ce.Cause, ErrCancelled) {
		te.Cause = ce.Cause
	}
	return te
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
