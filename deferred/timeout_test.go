package deferred_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
)

var errTimeoutTest = errors.New("timeout test failure")

func TestTimeoutExpires(t *testing.T) {
	var c deferredtest.Clock
	cancels := 0
	d := deferred.New(countingCanceller[string](&cancels, nil))
	r := deferred.Timeout(d, 10*time.Second, &c)
	c.Advance(10*time.Second - 1)
	mustPend(t, r)
	c.Advance(1)

	handleAtEnd(t, r)
	err := mustFail(t, r)
	var te *deferred.TimeoutError
	if !errors.As(err, &te) || te.After != 10*time.Second {
		t.Fatalf("result %v, want a *TimeoutError after 10s", err)
	}
	if !errors.Is(err, deferred.ErrTimeout) {
		t.Error("errors.Is(err, ErrTimeout) = false")
	}
	if errors.Is(err, deferred.ErrCancelled) {
		t.Error("errors.Is(err, ErrCancelled) = true: a timeout is not a cancellation of the caller")
	}
	if to, ok := err.(interface{ Timeout() bool }); !ok || !to.Timeout() {
		t.Error("the error does not report Timeout() == true")
	}
	if got, want := err.Error(), "deferred: timed out after 10s"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if cancels != 1 {
		t.Errorf("d's canceller ran %d times, want 1", cancels)
	}
	// d itself was cancelled, saying why.
	handleAtEnd(t, d)
	if ce := mustBeCancelled(t, d); ce.Reason != "timed out after 10s" {
		t.Errorf("d's cancellation reason %q, want %q", ce.Reason, "timed out after 10s")
	}
}

// If d fires first, its result passes through unchanged, the timer is
// stopped, and d is never cancelled.
func TestTimeoutResultBeforeExpiry(t *testing.T) {
	tests := []struct {
		name string
		fire func(d *deferred.Deferred[string])
	}{
		{"value", func(d *deferred.Deferred[string]) { d.Callback("done") }},
		{"error", func(d *deferred.Deferred[string]) { d.Errback(errTimeoutTest) }},
		{"cancellation", func(d *deferred.Deferred[string]) { d.Errback(&deferred.CancelledError{Reason: "elsewhere"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c deferredtest.Clock
			cancels := 0
			d := deferred.New(countingCanceller[string](&cancels, nil))
			r := deferred.Timeout(d, 10*time.Second, &c)
			handleAtEnd(t, r)
			c.Advance(5 * time.Second)
			tt.fire(d)
			if p := c.Pending(); len(p) != 0 {
				t.Fatalf("timer still pending after d fired: %v", p)
			}
			c.Advance(time.Minute)
			if cancels != 0 {
				t.Fatalf("d was cancelled %d times after it fired", cancels)
			}
			dv, derr, _ := d.Result()
			rv, rerr, ok := r.Result()
			if !ok || rv != dv || rerr != derr {
				t.Fatalf("Timeout's result (%q, %v, %v), want d's (%q, %v)", rv, rerr, ok, dv, derr)
			}
		})
	}
}

func TestTimeoutOfAFiredDeferredSetsNoTimer(t *testing.T) {
	var c deferredtest.Clock
	r := deferred.Timeout(deferred.Succeed(42), time.Second, &c)
	if got := mustSucceed(t, r); got != 42 {
		t.Fatalf("value %d, want 42", got)
	}
	if p := c.Pending(); len(p) != 0 {
		t.Fatalf("timer pending for a fired Deferred: %v", p)
	}
}

// What d's canceller does on expiry decides the result: a value or another
// error is kept (Twisted's addTimeout), only a cancellation becomes a
// *TimeoutError.
func TestTimeoutCancellerResultIsKept(t *testing.T) {
	tests := []struct {
		name      string
		canceller func(*deferred.Deferred[string])
		check     func(t *testing.T, r *deferred.Deferred[string])
	}{
		{
			name:      "fires with a value",
			canceller: func(d *deferred.Deferred[string]) { d.Callback("partial") },
			check: func(t *testing.T, r *deferred.Deferred[string]) {
				if got := mustSucceed(t, r); got != "partial" {
					t.Fatalf("value %q, want %q", got, "partial")
				}
			},
		},
		{
			name:      "fails with another error",
			canceller: func(d *deferred.Deferred[string]) { d.Errback(errTimeoutTest) },
			check: func(t *testing.T, r *deferred.Deferred[string]) {
				handleAtEnd(t, r)
				if err := mustFail(t, r); err != errTimeoutTest {
					t.Fatalf("error %v, want %v", err, errTimeoutTest)
				}
			},
		},
		{
			name:      "fails with a wrapped cancellation",
			canceller: func(d *deferred.Deferred[string]) { d.Errback(fmt.Errorf("closing: %w", &deferred.CancelledError{})) },
			check: func(t *testing.T, r *deferred.Deferred[string]) {
				if err := mustFail(t, r); !errors.Is(err, deferred.ErrTimeout) {
					t.Fatalf("error %v, want a timeout", err)
				}
			},
		},
		{
			name:      "leaves it to Cancel",
			canceller: func(*deferred.Deferred[string]) {},
			check: func(t *testing.T, r *deferred.Deferred[string]) {
				if err := mustFail(t, r); !errors.Is(err, deferred.ErrTimeout) {
					t.Fatalf("error %v, want a timeout", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c deferredtest.Clock
			r := deferred.Timeout(deferred.New(tt.canceller), time.Second, &c)
			c.Advance(time.Second)
			tt.check(t, r)
		})
	}
}

// A canceller that panics when the timeout cancels d: d fails with a
// *CancelledError caused by the panic, and the *TimeoutError keeps that
// cause, so that errors.As finds the panic behind the timeout (Synapse's
// timeout_deferred logs "Canceller failed during timeout" for it), while
// the timeout is still no cancellation of the caller.
func TestTimeoutKeepsThePanicOfTheCanceller(t *testing.T) {
	var c deferredtest.Clock
	d := deferred.New(func(*deferred.Deferred[int]) { panic("canceller broke") })
	r := deferred.Timeout(d, time.Second, &c)
	c.Advance(time.Second)
	handleAtEnd(t, r)
	handleAtEnd(t, d)
	err := mustFail(t, r)
	var te *deferred.TimeoutError
	if !errors.As(err, &te) || te.After != time.Second {
		t.Fatalf("result %v, want a *TimeoutError after 1s", err)
	}
	var pe *deferred.PanicError
	if !errors.As(err, &pe) || pe.Value != "canceller broke" {
		t.Fatalf("errors.As finds no *PanicError of the canceller in %v", err)
	}
	if errors.Is(err, deferred.ErrCancelled) {
		t.Error("errors.Is(err, ErrCancelled) = true: a timeout is not a cancellation of the caller")
	}
	if !errors.Is(err, deferred.ErrTimeout) {
		t.Error("errors.Is(err, ErrTimeout) = false")
	}
	if got, want := err.Error(), "deferred: timed out after 1s: deferred: panic: canceller broke"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// A cancellation that Timeout turns into a *TimeoutError carries nothing
// that is a cancellation itself, even when its cause would be one.
func TestTimeoutDropsACauseThatIsACancellation(t *testing.T) {
	var c deferredtest.Clock
	d := deferred.New(func(*deferred.Deferred[int]) { panic(&deferred.CancelledError{Reason: "inner"}) })
	r := deferred.Timeout(d, time.Second, &c)
	c.Advance(time.Second)
	handleAtEnd(t, r)
	handleAtEnd(t, d)
	err := mustFail(t, r)
	if !errors.Is(err, deferred.ErrTimeout) || errors.Is(err, deferred.ErrCancelled) {
		t.Fatalf("result %v: want a timeout that is no cancellation", err)
	}
}

// Cancelling the result before the timeout cancels d; the
// *CancelledError passes through as it is, and the timer is stopped.
func TestTimeoutCancelledBeforeExpiry(t *testing.T) {
	var c deferredtest.Clock
	cancels := 0
	d := deferred.New(countingCanceller[int](&cancels, nil))
	r := deferred.Timeout(d, time.Second, &c)
	r.CancelWithReason("client gone")
	handleAtEnd(t, r)
	if ce := mustBeCancelled(t, r); ce.Reason != "client gone" {
		t.Fatalf("reason %q, want %q", ce.Reason, "client gone")
	}
	if cancels != 1 {
		t.Fatalf("d cancelled %d times, want 1", cancels)
	}
	if p := c.Pending(); len(p) != 0 {
		t.Fatalf("timer still pending: %v", p)
	}
	c.Advance(time.Minute)
	if cancels != 1 {
		t.Fatalf("d cancelled again on expiry")
	}
	mustBeCancelled(t, r)
}

// The timeout covers the callbacks d had when Timeout was called: an
// errback there sees the *CancelledError, and may recover from it
// (Twisted's test_errbackAddedBeforeTimeout...).
func TestTimeoutSeesCallbacksAddedBefore(t *testing.T) {
	t.Run("passes the cancellation on", func(t *testing.T) {
		var c deferredtest.Clock
		var seen error
		d := deferred.New[int](nil).AddErrback(func(err error) (int, error) { seen = err; return 0, err })
		r := deferred.Timeout(d, time.Second, &c)
		c.Advance(time.Second)
		if !errors.Is(seen, deferred.ErrCancelled) {
			t.Fatalf("errback saw %v, want a cancellation", seen)
		}
		handleAtEnd(t, r)
		if err := mustFail(t, r); !errors.Is(err, deferred.ErrTimeout) {
			t.Fatalf("result %v, want a timeout", err)
		}
	})
	t.Run("recovers", func(t *testing.T) {
		var c deferredtest.Clock
		d := deferred.New[int](nil).AddErrback(func(error) (int, error) { return -1, nil })
		r := deferred.Timeout(d, time.Second, &c)
		c.Advance(time.Second)
		if got := mustSucceed(t, r); got != -1 {
			t.Fatalf("value %d, want the errback's -1", got)
		}
	})
}

// The Go difference from Twisted's addTimeout, which rewrites d's own
// chain: a stage added to d after Timeout sees the *CancelledError that the
// timeout cancelled d with; only Timeout's result is a *TimeoutError.
func TestTimeoutLeavesTheSourceChainAsItIs(t *testing.T) {
	var c deferredtest.Clock
	d := deferred.New[int](nil)
	r := deferred.Timeout(d, time.Second, &c)
	var seen error
	d.AddErrback(func(err error) (int, error) { seen = err; return 0, err })
	c.Advance(time.Second)
	if ce, ok := seen.(*deferred.CancelledError); !ok || ce.Reason != "timed out after 1s" {
		t.Fatalf("a stage added to d afterwards saw %v, want the *CancelledError of the timeout", seen)
	}
	handleAtEnd(t, d)
	handleAtEnd(t, r)
	if err := mustFail(t, r); !errors.Is(err, deferred.ErrTimeout) {
		t.Fatalf("result %v, want a timeout", err)
	}
}

// A Deferred whose chain waits on another: the timeout's cancel is
// forwarded to the inner one.
func TestTimeoutOfAPausedChain(t *testing.T) {
	var c deferredtest.Clock
	inner := deferred.New[int](nil)
	d := deferred.Succeed(1).AddDeferredCallback(func(int) *deferred.Deferred[int] { return inner })
	r := deferred.Timeout(d, time.Second, &c)
	c.Advance(time.Second)
	handleAtEnd(t, inner)
	mustBeCancelled(t, inner)
	handleAtEnd(t, r)
	if err := mustFail(t, r); !errors.Is(err, deferred.ErrTimeout) {
		t.Fatalf("result %v, want a timeout", err)
	}
}

// An async function under a timeout: its Await returns the
// *CancelledError, saying why; what it does with it decides the result.
func TestTimeoutOfAnAsyncFunction(t *testing.T) {
	t.Run("passes the cancellation on", func(t *testing.T) {
		var c deferredtest.Clock
		var seen error
		d := deferred.Run(func(task *deferred.Task) (int, error) {
			_, err := deferred.Await(task, deferred.New[int](nil))
			seen = err
			return 0, fmt.Errorf("fetching: %w", err)
		})
		r := deferred.Timeout(d, time.Second, &c)
		c.Advance(time.Second)
		var ce *deferred.CancelledError
		if !errors.As(seen, &ce) || !strings.Contains(ce.Error(), "timed out after 1s") {
			t.Fatalf("Await returned %v, want a *CancelledError saying it timed out", seen)
		}
		handleAtEnd(t, r)
		if err := mustFail(t, r); !errors.Is(err, deferred.ErrTimeout) {
			t.Fatalf("result %v, want a timeout", err)
		}
	})
	t.Run("swallows it", func(t *testing.T) {
		var c deferredtest.Clock
		d := deferred.Run(func(task *deferred.Task) (string, error) {
			if _, err := deferred.Await(task, deferred.New[int](nil)); err != nil {
				return "fallback", nil
			}
			return "", nil
		})
		r := deferred.Timeout(d, time.Second, &c)
		c.Advance(time.Second)
		if got := mustSucceed(t, r); got != "fallback" {
			t.Fatalf("value %q, want %q", got, "fallback")
		}
	})
}

// Gather fails a cancel with a *FirstError around the *CancelledError;
// Timeout recognises it (errors.Is) as its own cancellation.
func TestTimeoutOfAGather(t *testing.T) {
	var c deferredtest.Clock
	g := deferred.Gather([]*deferred.Deferred[int]{deferred.New[int](nil), deferred.New[int](nil)}, true)
	r := deferred.Timeout(g, time.Second, &c)
	c.Advance(time.Second)
	handleAtEnd(t, r)
	if err := mustFail(t, r); !errors.Is(err, deferred.ErrTimeout) {
		t.Fatalf("result %v, want a timeout", err)
	}
}

// The cancellation d fails with on expiry is passed on to the result, so it
// is handled: nothing is reported when d is dropped.
func TestTimeoutLeavesNothingUnhandled(t *testing.T) {
	type timeoutVal int
	reports := unhandledReports(t)
	func() {
		var c deferredtest.Clock
		r := deferred.Timeout(deferred.New[timeoutVal](nil), time.Second, &c)
		c.Advance(time.Second)
		handle(r)
	}()
	if got := errorsOf[timeoutVal](reports()); len(got) != 0 {
		t.Fatalf("reported unhandled: %v", got)
	}
	// The check can fail: the same result, not handled, is reported.
	func() {
		var c deferredtest.Clock
		deferred.Timeout(deferred.New[timeoutVal](nil), time.Second, &c)
		c.Advance(time.Second)
	}()
	if got := errorsOf[timeoutVal](reports()); len(got) != 1 || !errors.Is(got[0], deferred.ErrTimeout) {
		t.Fatalf("reported %v, want the one unhandled timeout", got)
	}
}

// On the real clock, the timer's goroutine cancels d, and the result fires
// there. d's canceller holds the timer's goroutine until the test has added
// its callback, so that the result cannot fire before (the callback would
// then run on the test's goroutine, whatever the timer did). It waits no
// longer than 10s, so that a clock that calls back at once fails the test
// instead of hanging it.
func TestTimeoutOnTheRealClock(t *testing.T) {
	caller := goroutineID()
	attached := make(chan struct{})
	d := deferred.New(func(*deferred.Deferred[int]) {
		select {
		case <-attached:
		case <-time.After(10 * time.Second):
		}
	})
	r := deferred.Timeout(d, time.Millisecond, nil)
	var firedOn uint64
	r.AddBoth(func(v int, err error) (int, error) {
		firedOn = goroutineID()
		return v, err
	})
	close(attached)
	handleAtEnd(t, r)
	if _, err := waitResult(t, r); !errors.Is(err, deferred.ErrTimeout) {
		t.Fatalf("result %v, want a timeout", err)
	}
	if firedOn == caller {
		t.Fatal("the result fired on the caller's goroutine, want the timer's")
	}
}

// The timer and d's own result race on different goroutines: the result is
// one or the other, never both, never lost.
func TestTimeoutRacingWithTheResult(t *testing.T) {
	for i := range 200 {
		d := deferred.New[int](nil)
		r := deferred.Timeout(d, time.Duration(i%3)*time.Microsecond, nil)
		go d.Callback(i)
		v, err := waitResult(t, r)
		handle(r)
		switch {
		case err == nil && v != i:
			t.Fatalf("value %d, want %d", v, i)
		case err != nil && !errors.Is(err, deferred.ErrTimeout):
			t.Fatalf("error %v, want a timeout", err)
		}
	}
}
