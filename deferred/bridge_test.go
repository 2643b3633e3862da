package deferred_test

// Go and Wait, the bridge between Deferreds and plain Go: Twisted's
// deferToThread tests (test_threads.py's DeferToThreadPoolTests), and the
// cancellation the context carries both ways.

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Twisted's test_deferredResult and test_deferredFailure: the Deferred
// fires with what f returns, on f's goroutine.
func TestGoFiresWithTheResultOnItsGoroutine(t *testing.T) {
	caller := goroutineID()
	d := deferred.Go(context.Background(), func(context.Context) (uint64, error) { return goroutineID(), nil })
	v, err := waitResult(t, d)
	if err != nil || v == caller {
		t.Fatalf("f ran on goroutine %d (the caller is %d), error %v", v, caller, err)
	}
	var firedOn uint64
	release := make(chan struct{})
	d = deferred.Go(context.Background(), func(context.Context) (uint64, error) { <-release; return 0, errBoom })
	d.AddBoth(func(v uint64, err error) (uint64, error) { firedOn = goroutineID(); return v, err })
	close(release)
	_, err = waitResult(t, d)
	handle(d)
	if err != errBoom {
		t.Fatalf("failed with %v, want %v", err, errBoom)
	}
	if firedOn == caller {
		t.Fatal("the callbacks ran on the caller's goroutine")
	}
}

// A panic in f fails the
// Deferred with a *PanicError, and the program goes on.
func TestGoPanicFailsTheDeferred(t *testing.T) {
	d := deferred.Go(context.Background(), func(context.Context) (int, error) { panic("in f") })
	_, err := waitResult(t, d)
	handle(d)
	var pe *deferred.PanicError
	if !errors.As(err, &pe) || pe.Value != "in f" {
		t.Fatalf("failed with %v, want the *PanicError", err)
	}
}

// f that exits its goroutine fails the Deferred with ErrGoexit; as for a
// callback that exits, its stages run when one is next added.
func TestGoGoexitFailsTheDeferred(t *testing.T) {
	d := deferred.Go(context.Background(), func(context.Context) (int, error) { runtime.Goexit(); return 0, nil })
	for deadline := time.Now().Add(10 * time.Second); !d.Called() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	_, err := waitResult(t, d)
	handle(d)
	if !errors.Is(err, deferred.ErrGoexit) {
		t.Fatalf("failed with %v, want ErrGoexit", err)
	}
}

// Cancelling the Deferred cancels f's context, with a *CancelledError as
// its cause, and waits for f: the Deferred fails once f has returned, with
// a *CancelledError whose Cause is f's error.
func TestGoCancelCancelsTheContextAndWaitsForF(t *testing.T) {
	started, returned := make(chan struct{}), make(chan struct{})
	var cause error
	d := deferred.Go(context.Background(), func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		cause = context.Cause(ctx)
		time.Sleep(time.Millisecond) // f takes a moment to stop
		close(returned)
		return 0, ctx.Err()
	})
	<-started
	d.CancelWithReason("client gone")
	_, err := waitResult(t, d)
	handle(d)
	select {
	case <-returned:
	default:
		t.Fatal("the Deferred fired before f returned")
	}
	var ce *deferred.CancelledError
	if !errors.As(cause, &ce) || ce.Reason != "client gone" {
		t.Fatalf("f's context cause %v, want the *CancelledError", cause)
	}
	if !errors.As(err, &ce) || ce.Reason != "client gone" || !errors.Is(err, context.Canceled) {
		t.Fatalf("failed with %v, want a *CancelledError caused by context.Canceled", err)
	}
}

// f that finishes despite the cancel keeps its value, as a canceller that
// fires a value does; a cancel after f returned does nothing.
func TestGoValueAfterCancelStands(t *testing.T) {
	started := make(chan struct{})
	d := deferred.Go(context.Background(), func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 42, nil
	})
	<-started
	d.Cancel()
	if v, err := waitResult(t, d); err != nil || v != 42 {
		t.Fatalf("(%d, %v), want 42", v, err)
	}
	d.Cancel()
	if v := mustSucceed(t, d); v != 42 {
		t.Fatalf("value %d after a late Cancel", v)
	}
}

// When ctx is done, f's context is done, and the Deferred fails with a
// *CancelledError whose reason is ctx's cause.
func TestGoParentContextDone(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	d := deferred.Go(ctx, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, context.Cause(ctx)
	})
	cancel(errOther)
	_, err := waitResult(t, d)
	handle(d)
	var ce *deferred.CancelledError
	if !errors.As(err, &ce) || ce.Reason != errOther.Error() || !errors.Is(err, errOther) {
		t.Fatalf("failed with %v, want a *CancelledError for %v", err, errOther)
	}
}

// An async function awaits Go: cancelling the Run reaches f's context
// (downward) and the *CancelledError comes back to the Await (upward).
func TestGoAwaitedByAnAsyncFunction(t *testing.T) {
	started := make(chan struct{})
	var awaited error
	r := deferred.Run(func(t *deferred.Task) (int, error) {
		v, err := deferred.Await(t, deferred.Go(t.Context(), func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			return 0, ctx.Err()
		}))
		awaited = err
		return v, err
	})
	<-started
	r.Cancel()
	_, err := waitResult(t, r)
	handle(r)
	if !errors.Is(awaited, deferred.ErrCancelled) || !errors.Is(err, deferred.ErrCancelled) {
		t.Fatalf("Await returned %v, the Run failed with %v; want cancellations", awaited, err)
	}
}

// A cancel racing with f's return: the result is f's or a cancellation,
// never lost, never both.
func TestGoCancelRacingWithTheReturn(t *testing.T) {
	for i := range 300 {
		d := deferred.Go(context.Background(), func(ctx context.Context) (int, error) {
			if i%2 == 0 {
				return i, nil
			}
			return 0, errBoom
		})
		go d.Cancel()
		v, err := waitResult(t, d)
		handle(d)
		switch {
		case err == nil && v != i:
			t.Fatalf("value %d, want %d", v, i)
		case err != nil && err != errBoom && !errors.Is(err, errBoom):
			t.Fatalf("error %v", err)
		}
	}
}

// --- Wait ---

func TestWaitReturnsTheResult(t *testing.T) {
	if v, err := deferred.Wait(context.Background(), deferred.Succeed(1)); v != 1 || err != nil {
		t.Fatalf("(%d, %v) for a fired Deferred", v, err)
	}
	d := deferred.New[int](nil)
	go func() {
		time.Sleep(time.Millisecond)
		d.Callback(2)
	}()
	if v, err := deferred.Wait(context.Background(), d); v != 2 || err != nil {
		t.Fatalf("(%d, %v), want 2", v, err)
	}
	f := deferred.New[int](nil)
	go f.Errback(errBoom)
	if _, err := deferred.Wait(context.Background(), f); err != errBoom {
		t.Fatalf("error %v, want %v", err, errBoom)
	}
}

// An error read by Wait counts as handled: nothing is reported when the
// Deferred is dropped.
func TestWaitHandlesTheError(t *testing.T) {
	type waitVal int
	reports := unhandledReports(t)
	func() {
		d := deferred.New[waitVal](nil)
		go d.Errback(errBoom)
		deferred.Wait(context.Background(), d)
	}()
	if got := errorsOf[waitVal](reports()); len(got) != 0 {
		t.Fatalf("reported unhandled: %v", got)
	}
}

// When ctx is done first, Wait cancels d, saying why, and returns what d
// ends with.
func TestWaitCancelsTheDeferredWhenTheContextIsDone(t *testing.T) {
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancels := 0
		d := deferred.New(countingCanceller[int](&cancels, nil))
		time.AfterFunc(time.Millisecond, func() { cancel(errOther) })
		_, err := deferred.Wait(ctx, d)
		var ce *deferred.CancelledError
		if !errors.As(err, &ce) || ce.Reason != errOther.Error() || cancels != 1 {
			t.Fatalf("error %v after %d cancels, want a *CancelledError saying %q", err, cancels, errOther)
		}
	})
	t.Run("done already", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := deferred.Wait(ctx, deferred.New[int](nil)); !errors.Is(err, deferred.ErrCancelled) {
			t.Fatalf("error %v, want a cancellation", err)
		}
	})
	t.Run("the canceller fires a value", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		d := deferred.New(func(d *deferred.Deferred[int]) { d.Callback(7) })
		if v, err := deferred.Wait(ctx, d); v != 7 || err != nil {
			t.Fatalf("(%d, %v), want 7", v, err)
		}
	})
	t.Run("a delayed cancellation is waited for", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		inner := deferred.New[int](nil)
		time.AfterFunc(time.Millisecond, func() { inner.Callback(1) })
		_, err := deferred.Wait(ctx, deferred.DelayCancellation(inner))
		if !inner.Called() || !errors.Is(err, deferred.ErrCancelled) {
			t.Fatalf("Wait returned %v with inner fired: %v; want a cancellation after inner", err, inner.Called())
		}
	})
}

// Both ways at once: plain Go code waits on Deferred code that runs plain
// Go code; cancelling the outer context reaches the innermost function.
func TestWaitOnGoCarriesTheCancellationThrough(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	var wg sync.WaitGroup
	var err error
	wg.Go(func() {
		_, err = deferred.Wait(ctx, deferred.Run(func(t *deferred.Task) (int, error) {
			return deferred.Await(t, deferred.Go(t.Context(), func(ctx context.Context) (int, error) {
				close(started)
				<-ctx.Done()
				return 0, ctx.Err()
			}))
		}))
	})
	<-started
	cancel()
	wg.Wait()
	if !errors.Is(err, deferred.ErrCancelled) {
		t.Fatalf("Wait returned %v, want a cancellation", err)
	}
}
