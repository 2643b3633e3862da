package deferred_test

// ConcurrentlyExecute and GatherEach: Synapse's ConcurrentlyExecuteTest
// (tests/util/test_async_helpers.py), and failing fast and cancellation,
// which Synapse's do not do.

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Synapse's test_limits_runners: with more items than the limit, limit
// calls run at once; each that finishes starts the next.
func TestConcurrentlyExecuteLimitsTheCallsInFlight(t *testing.T) {
	var processed []int
	var waiters []*deferred.Deferred[int]
	d := deferred.ConcurrentlyExecute([]int{1, 2, 3, 4, 5}, 3, func(v int) *deferred.Deferred[int] {
		processed = append(processed, v)
		w := deferred.New[int](nil)
		waiters = append(waiters, w)
		return w
	})
	pop := func() {
		w := waiters[len(waiters)-1]
		waiters = waiters[:len(waiters)-1]
		w.Callback(0)
	}
	if len(processed) != 3 || len(waiters) != 3 {
		t.Fatalf("%d calls started, want 3", len(processed))
	}
	pop()
	if len(processed) != 4 || len(waiters) != 3 {
		t.Fatalf("after one finished, %d calls started, want 4", len(processed))
	}
	mustPend(t, d)
	for len(waiters) > 0 {
		pop()
	}
	if !slices.Equal(processed, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("processed %v", processed)
	}
	mustSucceed(t, d)
}

// Items whose Deferreds have fired when f hands them back are processed
// by a loop, in order: the stack does not grow with the items.
func TestConcurrentlyExecuteOfFiredDeferreds(t *testing.T) {
	items := make([]int, 10000)
	var seen []int
	d := deferred.ConcurrentlyExecute(items, 2, func(int) *deferred.Deferred[struct{}] {
		seen = append(seen, len(seen))
		return deferred.Succeed(struct{}{})
	})
	mustSucceed(t, d)
	if len(seen) != len(items) {
		t.Fatalf("%d calls, want %d", len(seen), len(items))
	}
	mustSucceed(t, deferred.ConcurrentlyExecute([]int(nil), 1, func(int) *deferred.Deferred[int] {
		t.Fatal("f called for no items")
		return nil
	}))
}

// Synapse's test_preserves_stacktraces, for Go: the failure of a call is
// the result's failure itself, not wrapped, and the calls in flight are
// cancelled before the result fails; no item is started after it.
func TestConcurrentlyExecuteFailsFast(t *testing.T) {
	var order []string
	pending := map[int]*deferred.Deferred[int]{}
	d := deferred.ConcurrentlyExecute([]int{0, 1, 2, 3, 4}, 3, func(v int) *deferred.Deferred[int] {
		order = append(order, fmt.Sprint("start ", v))
		p := deferred.New(func(*deferred.Deferred[int]) { order = append(order, fmt.Sprint("cancel ", v)) })
		pending[v] = p
		return p
	})
	d.AddErrback(func(err error) (struct{}, error) { order = append(order, "result"); return struct{}{}, err })
	pending[1].Errback(errBoom)
	handleAtEnd(t, d)
	if err := mustFail(t, d); err != errBoom {
		t.Fatalf("failed with %v, want %v itself", err, errBoom)
	}
	want := []string{"start 0", "start 1", "start 2", "cancel 0", "cancel 2", "result"}
	if !reflect.DeepEqual(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for _, v := range []int{0, 2} {
		var ce *deferred.CancelledError
		if err := mustFail(t, pending[v]); !errors.As(err, &ce) {
			t.Fatalf("call %d failed with %v, want a cancellation", v, err)
		}
	}
}

// A panic in f, or a nil Deferred, fails the run like a failed call.
func TestConcurrentlyExecuteFPanicsOrHandsBackNil(t *testing.T) {
	d := deferred.ConcurrentlyExecute([]int{0, 1}, 1, func(v int) *deferred.Deferred[int] {
		if v == 1 {
			panic("f")
		}
		return deferred.Succeed(v)
	})
	handleAtEnd(t, d)
	var pe *deferred.PanicError
	if err := mustFail(t, d); !errors.As(err, &pe) {
		t.Fatalf("failed with %v, want a *PanicError", err)
	}
	n := deferred.ConcurrentlyExecute([]int{0}, 1, func(int) *deferred.Deferred[int] { return nil })
	handleAtEnd(t, n)
	mustFail(t, n)
}

// Cancelling the result cancels the calls in flight and starts no more;
// it fails with their *CancelledError, or with one of its own if the
// cancelled calls still succeed.
func TestConcurrentlyExecuteCancel(t *testing.T) {
	for _, succeed := range []bool{false, true} {
		t.Run(fmt.Sprint("the calls' cancellers succeed: ", succeed), func(t *testing.T) {
			started := 0
			d := deferred.ConcurrentlyExecute([]int{0, 1, 2, 3}, 2, func(int) *deferred.Deferred[int] {
				started++
				return deferred.New(func(p *deferred.Deferred[int]) {
					if succeed {
						p.Callback(0)
					}
				})
			})
			d.CancelWithReason("request gone")
			handleAtEnd(t, d)
			if ce := mustBeCancelled(t, d); ce.Reason != "request gone" {
				t.Fatalf("reason %q", ce.Reason)
			}
			if started != 2 {
				t.Fatalf("%d calls started, want the first 2 only", started)
			}
		})
	}
}

// A cancel that comes while f runs reaches the Deferred it hands back.
func TestConcurrentlyExecuteCancelWhileFRuns(t *testing.T) {
	var d *deferred.Deferred[struct{}]
	first, second := deferred.New[int](nil), deferred.New[int](nil)
	calls := 0
	d = deferred.ConcurrentlyExecute([]int{0, 1, 2}, 1, func(v int) *deferred.Deferred[int] {
		calls++
		if v == 0 {
			return first
		}
		d.CancelWithReason("while f runs")
		return second
	})
	first.Callback(0) // f runs for item 1, and cancels
	handleAtEnd(t, d)
	handleAtEnd(t, second)
	if ce := mustBeCancelled(t, second); ce.Reason != "while f runs" {
		t.Fatalf("the call's Deferred: reason %q", ce.Reason)
	}
	mustBeCancelled(t, d)
	if calls != 2 {
		t.Fatalf("%d calls, want 2", calls)
	}
}

// --- GatherEach ---

// GatherEach is Synapse's yieldable_gather_results: the values in item
// order; the first failure itself, unwrapped from the *FirstError.
func TestGatherEach(t *testing.T) {
	ds := map[int]*deferred.Deferred[string]{}
	g := deferred.GatherEach([]int{1, 2, 3}, func(v int) *deferred.Deferred[string] {
		ds[v] = deferred.New[string](nil)
		return ds[v]
	})
	if len(ds) != 3 {
		t.Fatalf("%d calls made at once, want 3", len(ds))
	}
	ds[3].Callback("c")
	ds[1].Callback("a")
	mustPend(t, g)
	ds[2].Callback("b")
	if got := mustSucceed(t, g); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("values %v", got)
	}

	f := deferred.GatherEach([]int{1, 2}, func(v int) *deferred.Deferred[int] {
		if v == 2 {
			return deferred.Fail[int](errBoom)
		}
		return deferred.New[int](nil)
	})
	handleAtEnd(t, f)
	if err := mustFail(t, f); err != errBoom {
		t.Fatalf("failed with %v, want %v itself, not a *FirstError", err, errBoom)
	}
	mustSucceed(t, deferred.GatherEach([]int(nil), func(int) *deferred.Deferred[int] { return nil }))
}

// Cancelling a GatherEach cancels every call, and the cancellation comes
// back as a *CancelledError, as from a single Await: no *FirstError for
// the checks of the firsterror rule to miss.
func TestGatherEachCancel(t *testing.T) {
	var calls []*deferred.Deferred[int]
	g := deferred.GatherEach([]int{1, 2}, func(int) *deferred.Deferred[int] {
		d := deferred.New[int](nil)
		calls = append(calls, d)
		return d
	})
	g.CancelWithReason("gone")
	handleAtEnd(t, g)
	if ce := mustBeCancelled(t, g); ce.Reason != "gone" {
		t.Fatalf("reason %q", ce.Reason)
	}
	for _, d := range calls {
		handleAtEnd(t, d)
		mustBeCancelled(t, d)
	}
}

// A panic in f fails its item; the other items are still called.
func TestGatherEachFPanics(t *testing.T) {
	calls := 0
	g := deferred.GatherEach([]int{1, 2, 3}, func(v int) *deferred.Deferred[int] {
		calls++
		if v == 2 {
			panic("f")
		}
		return deferred.Succeed(v)
	})
	handleAtEnd(t, g)
	var pe *deferred.PanicError
	if err := mustFail(t, g); !errors.As(err, &pe) || calls != 3 {
		t.Fatalf("failed with %v after %d calls, want a *PanicError after 3", err, calls)
	}
}
