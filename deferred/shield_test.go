package deferred_test

// The shields: StopCancellation, DelayCancellation and Observable. These
// mirror CancellationWrapperTests, StopCancellationTests,
// DelayCancellationTests and ObservableDeferredTest in Synapse's
// tests/util/test_async_helpers.py, plus the shared-Deferred examples of the
// Synapse cancellation guide.

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

var wrappers = []struct {
	name string
	wrap func(*deferred.Deferred[string]) *deferred.Deferred[string]
}{
	{"StopCancellation", deferred.StopCancellation[string]},
	{"DelayCancellation", deferred.DelayCancellation[string]},
}

// Synapse's CancellationWrapperTests.test_succeed.
func TestShieldPassesTheValueOn(t *testing.T) {
	for _, w := range wrappers {
		t.Run(w.name, func(t *testing.T) {
			d := deferred.New[string](nil)
			r := w.wrap(d)
			d.Callback("success")
			if got := mustSucceed(t, r); got != "success" {
				t.Fatalf("got %q", got)
			}
		})
	}
}

// Synapse's CancellationWrapperTests.test_failure: the failure goes to the
// wrapper and counts as handled on the original.
func TestShieldPassesTheFailureOnAndHandlesIt(t *testing.T) {
	for _, w := range wrappers {
		t.Run(w.name, func(t *testing.T) {
			reports := unhandledReports(t)
			errOrig := fmt.Errorf("%s: original failure", w.name)
			func() {
				d := deferred.New[string](nil)
				r := w.wrap(d)
				d.Errback(errOrig)
				if err := mustFail(t, r); err != errOrig {
					t.Fatalf("wrapper failed with %v", err)
				}
				handle(r)
			}()
			if n := countIs(reports(), errOrig); n != 0 {
				t.Fatalf("the original's failure was reported %d times as unhandled", n)
			}
		})
	}
}

// Wrappers read, they do not consume: two wrappers of one Deferred, and the
// Deferred itself, all have its value.
func TestTwoWrappersOfOneDeferredBothGetTheValue(t *testing.T) {
	d := deferred.New[string](nil)
	rs := []*deferred.Deferred[string]{
		deferred.StopCancellation(d), deferred.StopCancellation(d),
		deferred.DelayCancellation(d), deferred.Then(d, func(v string) (string, error) { return v, nil }),
		deferred.NewObservable(d, true).Observe(),
	}
	d.Callback("v")
	for i, r := range rs {
		if got := mustSucceed(t, r); got != "v" {
			t.Fatalf("wrapper %d got %q", i, got)
		}
	}
	if got := mustSucceed(t, d); got != "v" {
		t.Fatalf("the source now holds %q", got)
	}
}

// Synapse's StopCancellationTests.test_cancellation.
func TestStopCancellationFailsAtOnceAndLeavesTheOriginalRunning(t *testing.T) {
	reports := unhandledReports(t)
	errLate := errors.New("original fails after its shield was cancelled")
	func() {
		d := deferred.New(func(*deferred.Deferred[string]) { t.Error("the original was cancelled") })
		r := deferred.StopCancellation(d)
		r.CancelWithReason("waiter left")
		if ce := mustBeCancelled(t, r); ce.Reason != "waiter left" {
			t.Fatalf("reason %q", ce.Reason)
		}
		mustPend(t, d)
		handle(r)
		d.Errback(errLate) // consumed by the shield: not reported
	}()
	if n := countIs(reports(), errLate); n != 0 {
		t.Fatalf("the original's failure was reported %d times", n)
	}
}

// Synapse's DelayCancellationTests.test_deferred_cancellation.
func TestDelayCancellationWaitsForTheOriginal(t *testing.T) {
	d := deferred.New(func(*deferred.Deferred[string]) { t.Error("the original was cancelled") })
	r := deferred.DelayCancellation(d)
	r.CancelWithReason("later")
	mustPend(t, r)
	mustPend(t, d)
	d.Errback(errBoom)
	if ce := mustBeCancelled(t, r); ce.Reason != "later" {
		t.Fatalf("reason %q", ce.Reason)
	}
	handle(r)
}

// Synapse's DelayCancellationTests.test_coroutine_cancellation: the
// shielded async function is not cancelled and runs to its end first.
func TestDelayCancellationOfAnAsyncFunction(t *testing.T) {
	blocking := deferred.New[int](nil)
	completed := false
	task := deferred.Run(func(t *deferred.Task) (string, error) {
		deferred.Await(t, blocking)
		completed = true
		return "", errBoom
	})
	r := deferred.DelayCancellation(task)
	r.Cancel()
	mustPend(t, r)
	mustPend(t, blocking)
	if completed {
		t.Fatal("completed early")
	}
	blocking.Callback(0)
	if !completed {
		t.Fatal("the shielded function did not complete")
	}
	mustBeCancelled(t, r)
	handle(r)
}

// Synapse's test_suppresses_second_cancellation.
func TestDelayCancellationCancelledTwice(t *testing.T) {
	d := deferred.New[string](nil)
	r := deferred.DelayCancellation(d)
	r.Cancel()
	r.Cancel()
	mustPend(t, r)
	d.Callback("x")
	mustBeCancelled(t, r)
	handle(r)
}

// Synapse's test_propagates_cancelled_error.
func TestDelayCancellationPassesTheOriginalsCancelledErrorOn(t *testing.T) {
	d := deferred.New[string](nil)
	r := deferred.DelayCancellation(d)
	ce := &deferred.CancelledError{Reason: "own"}
	d.Errback(ce)
	if err := mustFail(t, r); err != ce {
		t.Fatalf("failed with %v, want exactly the original's error", err)
	}
	handle(r)
}

// An async function awaiting a DelayCancellation: Await returns only once
// the shielded work is done, then with the *CancelledError, once, however
// many times the request is cancelled.
func TestAwaitDelayCancellationInARequest(t *testing.T) {
	work := deferred.New[int](nil)
	var errs []error
	req := deferred.Run(func(t *deferred.Task) (int, error) {
		_, err := deferred.Await(t, deferred.DelayCancellation(work))
		errs = append(errs, err)
		_, err = deferred.Await(t, deferred.Succeed(0))
		errs = append(errs, err)
		return 0, nil
	})
	req.Cancel()
	req.Cancel()
	if errs != nil {
		t.Fatalf("Await returned before the work finished: %v", errs)
	}
	work.Callback(1)
	if len(errs) != 2 || !errors.Is(errs[0], deferred.ErrCancelled) || errs[1] != nil {
		t.Fatalf("Awaits returned %v, want [cancelled <nil>]", errs)
	}
	mustSucceed(t, req)
}

// The guide's wait_for_room examples: with StopCancellation (or one
// Observe per waiter), cancelling one request affects neither the shared
// Deferred nor the other request; without, every waiter is cancelled.
func TestSharedDeferredAndTwoRequests(t *testing.T) {
	tests := []struct {
		name        string
		wait        func(shared *deferred.Deferred[int], o *deferred.Observable[int]) *deferred.Deferred[int]
		otherFailed bool
	}{
		{"bare: bad", func(s *deferred.Deferred[int], _ *deferred.Observable[int]) *deferred.Deferred[int] { return s }, true},
		{"StopCancellation: good", func(s *deferred.Deferred[int], _ *deferred.Observable[int]) *deferred.Deferred[int] {
			return deferred.StopCancellation(s)
		}, false},
		{"Observe: good", func(_ *deferred.Deferred[int], o *deferred.Observable[int]) *deferred.Deferred[int] {
			return o.Observe()
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shared := deferred.New[int](nil)
			o := deferred.NewObservable(shared, true)
			request := func() *deferred.Deferred[int] {
				return deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, tt.wait(shared, o)) })
			}
			req1, req2 := request(), request()
			req1.Cancel()
			mustBeCancelled(t, req1)
			handle(req1)
			if tt.otherFailed {
				mustBeCancelled(t, req2)
				mustBeCancelled(t, shared)
				return
			}
			mustPend(t, req2)
			mustPend(t, shared)
			shared.Callback(7)
			if mustSucceed(t, req2) != 7 {
				t.Fatal("request 2 did not get the value")
			}
		})
	}
}

// Synapse's ObservableDeferredTest.test_succeed: observers fire in the order
// of the Observe calls.
func TestObservableFiresObserversInOrder(t *testing.T) {
	src := deferred.New[int](nil)
	o := deferred.NewObservable(src, false)
	o1, o2 := o.Observe(), o.Observe()
	mustPend(t, o1)
	o1.AddBoth(func(v int, err error) (int, error) {
		if o2.Called() {
			t.Error("observer 2 fired before observer 1")
		}
		return v, err
	})
	src.Callback(123)
	if mustSucceed(t, o1) != 123 || mustSucceed(t, o2) != 123 {
		t.Fatal("observers did not get the value")
	}
	if !o.Observed() {
		t.Fatal("Observed() is false after the source fired")
	}
}

// Synapse's ObservableDeferredTest.test_failure.
func TestObservablePassesTheFailureToEveryObserver(t *testing.T) {
	src := deferred.New[int](nil)
	o := deferred.NewObservable(src, true)
	obs := []*deferred.Deferred[int]{o.Observe(), o.Observe()}
	src.Errback(errBoom)
	for i, d := range obs {
		if err := mustFail(t, d); err != errBoom {
			t.Fatalf("observer %d failed with %v", i, err)
		}
		handle(d)
	}
}

// Synapse's ObservableDeferredTest.test_cancellation.
func TestCancellingOneObserverAffectsNothingElse(t *testing.T) {
	src := deferred.New(func(*deferred.Deferred[int]) { t.Error("the source was cancelled") })
	o := deferred.NewObservable(src, true)
	o1, o2, o3 := o.Observe(), o.Observe(), o.Observe()
	o2.Cancel()
	mustPend(t, o1)
	mustBeCancelled(t, o2)
	handle(o2)
	mustPend(t, o3)
	src.Callback(123)
	if mustSucceed(t, o1) != 123 || mustSucceed(t, o3) != 123 {
		t.Fatal("the other observers did not get the value")
	}
	if mustSucceed(t, o.Observe()) != 123 {
		t.Fatal("a later observer did not get the value at once")
	}
}

func TestObserveAfterTheSourceFiredFiresAtOnce(t *testing.T) {
	o := deferred.NewObservable(deferred.Fail[int](errBoom), true)
	for range 2 {
		d := o.Observe()
		if err := mustFail(t, d); err != errBoom {
			t.Fatalf("failed with %v", err)
		}
		handle(d)
	}
}

// consumeErrors=false leaves the source's failure unhandled on the source,
// as in Synapse; observers' failures are their own either way.
func TestObservableConsumeErrors(t *testing.T) {
	for _, consume := range []bool{true, false} {
		t.Run(fmt.Sprint("consumeErrors=", consume), func(t *testing.T) {
			reports := unhandledReports(t)
			errSrc := fmt.Errorf("source failure, consumeErrors=%v", consume)
			func() {
				src := deferred.New[int](nil)
				o := deferred.NewObservable(src, consume)
				obs := o.Observe()
				src.Errback(errSrc)
				handle(obs)
			}()
			want := 1
			if consume {
				want = 0
			}
			if n := countIs(reports(), errSrc); n != want {
				t.Fatalf("source failure reported %d times, want %d", n, want)
			}
		})
	}
}

func TestObserversCallbacksRunInObserveOrderAcrossManyObservers(t *testing.T) {
	src := deferred.New[int](nil)
	o := deferred.NewObservable(src, true)
	var got []int
	for i := range 10 {
		o.Observe().AddCallback(func(v int) (int, error) { got = append(got, i); return v, nil })
	}
	src.Callback(0)
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}
