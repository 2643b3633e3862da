package deferred_test

// Async functions: Run and Await (Twisted's ensureDeferred and `await`),
// their coroutine scheduling, and cancellation going down to the awaited
// Deferred and coming back up out of Await.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func TestRunCallsFAtOnceAndReturnsAtItsFirstAwait(t *testing.T) {
	var r record
	gate := deferred.New[int](nil)
	d := deferred.Run(func(t *deferred.Task) (int, error) {
		r.add("f starts")
		v, err := deferred.Await(t, gate)
		r.add("f resumes")
		return v + 1, err
	})
	r.add("Run returned")
	if got, want := r.get(), []string{"f starts", "Run returned"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	mustPend(t, d)
	gate.Callback(1)
	if mustSucceed(t, d) != 2 {
		t.Fatal("wrong result")
	}
}

func TestRunWithoutAwaitFiresBeforeItReturns(t *testing.T) {
	d := deferred.Run(func(*deferred.Task) (string, error) { return "done", nil })
	if got := mustSucceed(t, d); got != "done" {
		t.Fatalf("got %q", got)
	}
	e := deferred.Run(func(*deferred.Task) (string, error) { return "", errBoom })
	if mustFail(t, e) != errBoom {
		t.Fatal("the error of f is not the Deferred's")
	}
	handle(e)
}

// Twisted's test_ensureDeferredCoroutine: awaiting fired Deferreds does not
// suspend.
func TestAwaitFiredDeferredsReturnsAtOnce(t *testing.T) {
	var task *deferred.Task
	d := deferred.Run(func(t *deferred.Task) (string, error) {
		task = t
		v, err := deferred.Await(t, deferred.Succeed("foo"))
		if err != nil {
			return "", err
		}
		if _, err := deferred.Await(t, deferred.Fail[int](errBoom)); err != errBoom {
			return "", fmt.Errorf("Await of a failed Deferred returned %v", err)
		}
		return v, nil
	})
	if got := mustSucceed(t, d); got != "foo" {
		t.Fatalf("got %q", got)
	}
	if n := task.Awaits(); n != 0 {
		t.Fatalf("Awaits() = %d after awaiting fired Deferreds, want 0", n)
	}
}

func TestAwaitReadsWithoutConsuming(t *testing.T) {
	src := deferred.New[int](nil)
	a := deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, src) })
	b := deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, src) })
	src.Callback(9)
	if mustSucceed(t, a) != 9 || mustSucceed(t, b) != 9 || mustSucceed(t, src) != 9 {
		t.Fatal("two awaiters and the source do not all have the value")
	}
}

// When the awaited Deferred fires, f runs to its next Await before Callback
// returns, on the firing goroutine.
func TestFResumesInsideCallbackUntilItsNextAwait(t *testing.T) {
	var r record
	first, second := deferred.New[int](nil), deferred.New[int](nil)
	deferred.Run(func(t *deferred.Task) (int, error) {
		deferred.Await(t, first)
		r.add("after first")
		deferred.Await(t, second)
		r.add("after second")
		return 0, nil
	})
	first.Callback(1)
	r.add("Callback returned")
	second.Callback(2)
	want := []string{"after first", "Callback returned", "after second"}
	if got := r.get(); !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

// A program that fires everything from one goroutine is deterministic:
// the interleaving of tasks follows the order of the fires exactly.
func TestSingleGoroutineProgramIsDeterministic(t *testing.T) {
	run := func() []string {
		var r record
		gates := make([]*deferred.Deferred[int], 3)
		for i := range gates {
			gates[i] = deferred.New[int](nil)
		}
		for _, name := range []string{"a", "b", "c"} {
			deferred.Run(func(t *deferred.Task) (int, error) {
				for i, g := range gates {
					r.add(fmt.Sprint(name, i))
					deferred.Await(t, g)
				}
				r.add(name + " done")
				return 0, nil
			})
		}
		for _, i := range []int{0, 2, 1} {
			gates[i].Callback(i)
		}
		return r.get()
	}
	want := []string{"a0", "b0", "c0", "a1", "b1", "c1", "a2", "a done", "b2", "b done", "c2", "c done"}
	for range 20 {
		if got := run(); !reflect.DeepEqual(got, want) {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

func TestCancelRunCancelsTheAwaitedDeferredAndAwaitReturnsIt(t *testing.T) {
	calls := 0
	awaited := deferred.New(func(*deferred.Deferred[int]) { calls++ })
	var got error
	d := deferred.Run(func(t *deferred.Task) (int, error) {
		_, err := deferred.Await(t, awaited)
		got = err
		return 0, fmt.Errorf("request: %w", err)
	})
	d.CancelWithReason("client gone")
	if calls != 1 {
		t.Fatalf("awaited canceller called %d times, want 1", calls)
	}
	var ce *deferred.CancelledError
	if !errors.As(got, &ce) || ce.Reason != "client gone" {
		t.Fatalf("Await returned %v, want the *CancelledError with the reason", got)
	}
	if err := mustFail(t, d); !errors.Is(err, deferred.ErrCancelled) {
		t.Fatalf("Run Deferred failed with %v, want the cancellation wrapped", err)
	}
	handle(d)
}

func TestCancelRunWhoseAwaitedCancellerFiresWithValue(t *testing.T) {
	awaited := deferred.New(func(d *deferred.Deferred[string]) { d.Callback("partial") })
	d := deferred.Run(func(t *deferred.Task) (string, error) { return deferred.Await(t, awaited) })
	d.Cancel()
	if got := mustSucceed(t, d); got != "partial" {
		t.Fatalf("got %q, want the canceller's value", got)
	}
}

// The runtime does not hide a swallowed cancellation: that is the bug the
// swallowedcancel analyzer reports.
func TestSwallowedCancellationFiresRunNormally(t *testing.T) {
	d := deferred.Run(func(t *deferred.Task) (string, error) {
		if _, err := deferred.Await(t, deferred.New[int](nil)); err != nil {
			return "swallowed", nil
		}
		return "", nil
	})
	d.Cancel()
	if got := mustSucceed(t, d); got != "swallowed" {
		t.Fatalf("got %q, want the normal result", got)
	}
}

func TestSelfCancelMakesTheNextAwaitReturnCancelledErrorAtOnce(t *testing.T) {
	awaited := deferred.New[int](nil)
	var errs []error
	gate := deferred.New[int](nil)
	var d *deferred.Deferred[string]
	d = deferred.Run(func(t *deferred.Task) (string, error) {
		deferred.Await(t, gate)
		d.CancelWithReason("self") // f is running: the cancel waits for the next Await
		_, err := deferred.Await(t, awaited)
		errs = append(errs, err)
		_, err = deferred.Await(t, deferred.Succeed(1)) // the cancel was delivered once
		errs = append(errs, err)
		return "went on", nil
	})
	gate.Callback(0)
	var ce *deferred.CancelledError
	if len(errs) != 2 || !errors.As(errs[0], &ce) || ce.Reason != "self" || errs[1] != nil {
		t.Fatalf("Awaits returned %v, want [*CancelledError(self) <nil>]", errs)
	}
	mustBeCancelled(t, awaited) // the Deferred it awaited then was cancelled too
	if got := mustSucceed(t, d); got != "went on" {
		t.Fatalf("got %q", got)
	}
}

func panicsInTask(*deferred.Task) (int, error) { panic("task broke") }

func TestPanicInFFailsRunWithPanicError(t *testing.T) {
	d := deferred.Run(panicsInTask)
	var pe *deferred.PanicError
	if err := mustFail(t, d); !errors.As(err, &pe) || pe.Value != "task broke" {
		t.Fatalf("failed with %v, want a *PanicError", err)
	}
	if !strings.Contains(string(pe.Stack), "panicsInTask") {
		t.Errorf("stack does not name the function:\n%s", pe.Stack)
	}
	handle(d)

	gate := deferred.New[int](nil)
	after := deferred.Run(func(t *deferred.Task) (int, error) {
		deferred.Await(t, gate)
		panic("after resuming")
	})
	gate.Callback(0)
	if err := mustFail(t, after); !errors.As(err, &pe) || pe.Value != "after resuming" {
		t.Fatalf("failed with %v, want a *PanicError", err)
	}
	handle(after)
}

func TestAwaitAfterFReturnedPanics(t *testing.T) {
	var leaked *deferred.Task
	deferred.Run(func(t *deferred.Task) (int, error) { leaked = t; return 0, nil })
	if p := panicValue(func() { deferred.Await(leaked, deferred.New[int](nil)) }); p == nil {
		t.Fatal("Await on a finished Task did not panic")
	}
}

func TestAwaitsCountsSuspensions(t *testing.T) {
	var task *deferred.Task
	gates := []*deferred.Deferred[int]{deferred.New[int](nil), deferred.New[int](nil)}
	deferred.Run(func(t *deferred.Task) (int, error) {
		task = t
		for _, g := range gates {
			deferred.Await(t, g)
		}
		deferred.Await(t, deferred.Succeed(0))
		return 0, nil
	})
	for _, g := range gates {
		g.Callback(0)
	}
	if n := task.Awaits(); n != 2 {
		t.Fatalf("Awaits() = %d, want 2", n)
	}
}

// Resumes counts the resumptions from a suspension: one less than Awaits
// while the function is suspended, as many once it runs again. An Await of
// a fired Deferred neither suspends nor resumes.
func TestResumesCountsResumptions(t *testing.T) {
	var task *deferred.Task
	var inside []int
	gates := []*deferred.Deferred[int]{deferred.New[int](nil), deferred.New[int](nil)}
	deferred.Run(func(t *deferred.Task) (int, error) {
		task = t
		inside = append(inside, t.Resumes())
		for _, g := range gates {
			deferred.Await(t, g)
			inside = append(inside, t.Resumes())
		}
		deferred.Await(t, deferred.Succeed(0))
		inside = append(inside, t.Resumes())
		return 0, nil
	})
	var outside []int
	for _, g := range gates {
		outside = append(outside, task.Resumes())
		g.Callback(0)
	}
	outside = append(outside, task.Resumes())
	if want := []int{0, 1, 2, 2}; !reflect.DeepEqual(inside, want) {
		t.Errorf("Resumes() inside the function = %v, want %v", inside, want)
	}
	if want := []int{0, 1, 2}; !reflect.DeepEqual(outside, want) {
		t.Errorf("Resumes() while suspended, then after the end = %v, want %v", outside, want)
	}
}

// --- nested async functions ---

// nest is three levels of async functions, each awaiting the one below, the
// innermost awaiting leaf. It records what each level saw.
type nest struct {
	leaf          *deferred.Deferred[int]
	outer, middle *deferred.Deferred[int]
	inner         *deferred.Deferred[int]
	r             record
}

func newNest() *nest {
	n := &nest{leaf: deferred.New[int](nil)}
	level := func(name string, below func(*deferred.Task) *deferred.Deferred[int], self **deferred.Deferred[int]) func(*deferred.Task) (int, error) {
		return func(t *deferred.Task) (int, error) {
			d := below(t)
			if self != nil {
				*self = d
			}
			v, err := deferred.Await(t, d)
			if err != nil {
				n.r.add(name + ": " + err.Error())
				return 0, fmt.Errorf("%s: %w", name, err)
			}
			return v + 1, nil
		}
	}
	innerF := level("inner", func(*deferred.Task) *deferred.Deferred[int] { return n.leaf }, nil)
	middleF := level("middle", func(*deferred.Task) *deferred.Deferred[int] { return deferred.Run(innerF) }, &n.inner)
	outerF := level("outer", func(*deferred.Task) *deferred.Deferred[int] { return deferred.Run(middleF) }, &n.middle)
	n.outer = deferred.Run(outerF)
	return n
}

func TestThreeNestedRunLevels(t *testing.T) {
	n := newNest()
	mustPend(t, n.outer)
	n.leaf.Callback(10)
	if got := mustSucceed(t, n.outer); got != 13 {
		t.Fatalf("got %d, want 13", got)
	}
}

// Cancelling at any level goes down to the leaf; the *CancelledError comes
// up through every level above the leaf, and the levels below the cancelled
// one see it too.
func TestThreeNestedRunLevelsCancelAtEachLevel(t *testing.T) {
	tests := []struct {
		level string
		pick  func(*nest) *deferred.Deferred[int]
		want  []string
	}{
		{"outer", func(n *nest) *deferred.Deferred[int] { return n.outer },
			[]string{"inner: deferred: cancelled: at outer", "middle: inner: deferred: cancelled: at outer", "outer: middle: inner: deferred: cancelled: at outer"}},
		{"middle", func(n *nest) *deferred.Deferred[int] { return n.middle },
			[]string{"inner: deferred: cancelled: at middle", "middle: inner: deferred: cancelled: at middle", "outer: middle: inner: deferred: cancelled: at middle"}},
		{"inner", func(n *nest) *deferred.Deferred[int] { return n.inner },
			[]string{"inner: deferred: cancelled: at inner", "middle: inner: deferred: cancelled: at inner", "outer: middle: inner: deferred: cancelled: at inner"}},
		{"leaf", func(n *nest) *deferred.Deferred[int] { return n.leaf },
			[]string{"inner: deferred: cancelled: at leaf", "middle: inner: deferred: cancelled: at leaf", "outer: middle: inner: deferred: cancelled: at leaf"}},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			n := newNest()
			tt.pick(n).CancelWithReason("at " + tt.level)
			mustBeCancelled(t, n.leaf)
			if got := n.r.get(); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("levels saw %q, want %q", got, tt.want)
			}
			if err := mustFail(t, n.outer); !errors.Is(err, deferred.ErrCancelled) {
				t.Fatalf("outer failed with %v", err)
			}
			handle(n.outer)
		})
	}
}

// --- other goroutines ---

func TestTaskResumedFromAnotherGoroutine(t *testing.T) {
	const n = 50
	gates := make([]*deferred.Deferred[int], n)
	for i := range gates {
		gates[i] = deferred.New[int](nil)
	}
	d := deferred.Run(func(t *deferred.Task) (int, error) {
		sum := 0
		for _, g := range gates {
			v, err := deferred.Await(t, g)
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	})
	go func() {
		for i, g := range gates {
			g.Callback(i)
		}
	}()
	if v, err := waitResult(t, d); err != nil || v != n*(n-1)/2 {
		t.Fatalf("got %d, %v; want %d", v, err, n*(n-1)/2)
	}
}

// A cancel that races with the awaited Deferred firing is never lost: it
// reaches the Await in progress or the next one.
func TestCancelRacingWithResumeIsNeverLost(t *testing.T) {
	for i := range 200 {
		gates := []*deferred.Deferred[int]{deferred.New[int](nil), deferred.New[int](nil), deferred.New[int](nil)}
		never := deferred.New[int](nil)
		d := deferred.Run(func(t *deferred.Task) (int, error) {
			for _, g := range append(gates, never) {
				if _, err := deferred.Await(t, g); err != nil {
					return 0, err
				}
			}
			return 0, errors.New("never fired")
		})
		var wg sync.WaitGroup
		wg.Go(func() {
			for _, g := range gates {
				g.Callback(0)
			}
		})
		wg.Go(d.Cancel)
		_, err := waitResult(t, d)
		wg.Wait()
		if !errors.Is(err, deferred.ErrCancelled) {
			t.Fatalf("round %d: Run finished with %v, want the cancellation", i, err)
		}
		handle(d)
	}
}

// --- RunContext ---

type ctxKey struct{}

func TestRunContextCarriesValues(t *testing.T) {
	ctx := context.WithValue(context.Background(), ctxKey{}, "v")
	d := deferred.RunContext(ctx, func(t *deferred.Task) (any, error) {
		return t.Context().Value(ctxKey{}), nil
	})
	if got := mustSucceed(t, d); got != "v" {
		t.Fatalf("value %v, want v", got)
	}
	plain := deferred.Run(func(t *deferred.Task) (context.Context, error) { return t.Context(), nil })
	if got := mustSucceed(t, plain); got != context.Background() {
		t.Fatalf("Run's Task has context %v, want context.Background()", got)
	}
}

func TestRunContextDoneCancelsTheRun(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	awaited := deferred.New[int](nil)
	d := deferred.RunContext(ctx, func(t *deferred.Task) (int, error) { return deferred.Await(t, awaited) })
	cancel(errors.New("shutting down"))
	_, err := waitResult(t, d)
	var ce *deferred.CancelledError
	if !errors.As(err, &ce) || ce.Reason != "shutting down" {
		t.Fatalf("Run failed with %v, want a *CancelledError giving the context's cause", err)
	}
	// awaited fired on the context's goroutine, whose chain may still be
	// running: wait for it too.
	if _, err := waitResult(t, awaited); !errors.As(err, &ce) {
		t.Fatalf("the awaited Deferred ended with %v, want a *CancelledError", err)
	}
	handle(d)
	handle(awaited)
}

func TestRunContextAlreadyDoneCancelsTheFirstAwait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	awaited := deferred.New[int](nil)
	d := deferred.RunContext(ctx, func(t *deferred.Task) (int, error) { return deferred.Await(t, awaited) })
	if ce := mustBeCancelled(t, d); ce.Reason != context.Canceled.Error() {
		t.Fatalf("reason %q, want the context's", ce.Reason)
	}
	mustBeCancelled(t, awaited)
	handle(d)
}

func TestRunContextTaskContextEndsWithTheRun(t *testing.T) {
	t.Run("cancelled, even if f goes on", func(t *testing.T) {
		var taskCtx context.Context
		gate := deferred.New[int](nil)
		d := deferred.RunContext(context.Background(), func(t *deferred.Task) (int, error) {
			taskCtx = t.Context()
			deferred.Await(t, deferred.New[int](nil)) // swallows the cancel
			return deferred.Await(t, gate)
		})
		if taskCtx.Err() != nil {
			t.Fatal("context done before anything happened")
		}
		d.CancelWithReason("stop")
		var ce *deferred.CancelledError
		if !errors.As(context.Cause(taskCtx), &ce) || ce.Reason != "stop" {
			t.Fatalf("context cause %v, want the *CancelledError", context.Cause(taskCtx))
		}
		mustPend(t, d)
		gate.Callback(1)
		mustSucceed(t, d)
	})
	t.Run("f returns", func(t *testing.T) {
		var taskCtx context.Context
		d := deferred.RunContext(context.Background(), func(t *deferred.Task) (int, error) {
			taskCtx = t.Context()
			return 0, errBoom
		})
		if context.Cause(taskCtx) != errBoom {
			t.Fatalf("context cause %v, want f's error", context.Cause(taskCtx))
		}
		handle(d)
		ok := deferred.RunContext(context.Background(), func(t *deferred.Task) (int, error) {
			taskCtx = t.Context()
			return 0, nil
		})
		mustSucceed(t, ok)
		if !errors.Is(taskCtx.Err(), context.Canceled) {
			t.Fatalf("context err %v after f returned, want Canceled", taskCtx.Err())
		}
	})
}

// Awaiting a fired failure reads it without suspending: it counts as
// handled, and the Deferred keeps it.
func TestAwaitFiredFailureIsHandledAndKept(t *testing.T) {
	reports := unhandledReports(t)
	errMark := errors.New("awaited after it failed")
	var kept error
	func() {
		d := deferred.Fail[int](errMark)
		r := deferred.Run(func(t *deferred.Task) (int, error) {
			_, err := deferred.Await(t, d)
			return 0, fmt.Errorf("handled: %v", err) // not %w: errMark is handled here
		})
		handle(r)
		_, kept, _ = d.Result()
	}()
	if kept != errMark {
		t.Fatalf("the awaited Deferred holds %v, want its failure kept", kept)
	}
	if n := countIs(reports(), errMark); n != 0 {
		t.Fatalf("reported %d times as unhandled", n)
	}
}
