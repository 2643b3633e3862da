package deferred_test

// Gather (Twisted's gatherResults) and UnwrapFirstError: the gatherResults
// and FirstError cases of Twisted's test_defer.py, and the Synapse guide's
// FirstError(CancelledError) hazard.

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func newDeferreds[T any](n int, canceller func(*deferred.Deferred[T])) []*deferred.Deferred[T] {
	ds := make([]*deferred.Deferred[T], n)
	for i := range ds {
		ds[i] = deferred.New(canceller)
	}
	return ds
}

func TestGatherFiresWithValuesInInputOrder(t *testing.T) {
	ds := newDeferreds[string](3, nil)
	g := deferred.Gather(ds, false)
	ds[2].Callback("c")
	ds[0].Callback("a")
	mustPend(t, g)
	ds[1].Callback("b")
	if got, want := mustSucceed(t, g), []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// Twisted's test_gatherResults and testDeferredListWithAlreadyFiredDeferreds.
func TestGatherOfFiredInputs(t *testing.T) {
	g := deferred.Gather([]*deferred.Deferred[int]{deferred.Succeed(1), deferred.Succeed(2)}, false)
	if got := mustSucceed(t, g); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Fatalf("got %v", got)
	}
	bad := deferred.Fail[int](errBoom)
	f := deferred.Gather([]*deferred.Deferred[int]{deferred.Succeed(1), bad}, true)
	var fe *deferred.FirstError
	if err := mustFail(t, f); !errors.As(err, &fe) || fe.Index != 1 || fe.Err != errBoom {
		t.Fatalf("failed with %v, want FirstError{1, boom}", err)
	}
	handle(f)
}

func TestGatherOfNoInputsFiresAtOnceWithAnEmptySlice(t *testing.T) {
	for _, ds := range [][]*deferred.Deferred[int]{nil, {}} {
		got := mustSucceed(t, deferred.Gather(ds, false))
		if got == nil || len(got) != 0 {
			t.Fatalf("got %#v, want an empty, non-nil slice", got)
		}
	}
}

func TestGatherFailsWithTheFirstFailureAndItsIndex(t *testing.T) {
	ds := newDeferreds[int](3, nil)
	g := deferred.Gather(ds, true)
	ds[0].Callback(0)
	ds[2].Errback(errBoom)
	var fe *deferred.FirstError
	if err := mustFail(t, g); !errors.As(err, &fe) || fe.Index != 2 || fe.Err != errBoom {
		t.Fatalf("failed with %v, want FirstError{2, boom}", err)
	}
	ds[1].Errback(errOther) // later failures are ignored
	if err := mustFail(t, g); !errors.As(err, &fe) || fe.Index != 2 {
		t.Fatalf("a later failure changed the result to %v", err)
	}
	handle(g)
}

// Twisted's test_gatherResultsWithConsumeErrors and
// testDeferredListDontConsumeErrors: consumeErrors decides whether the
// inputs' failures count as handled. Unlike Twisted, the input keeps its
// failure either way (Gather reads it).
func TestGatherConsumeErrors(t *testing.T) {
	for _, consume := range []bool{true, false} {
		t.Run(fmt.Sprint("consumeErrors=", consume), func(t *testing.T) {
			reports := unhandledReports(t)
			errInput := fmt.Errorf("input failure, consumeErrors=%v", consume)
			func() {
				in := deferred.New[int](nil)
				g := deferred.Gather([]*deferred.Deferred[int]{deferred.Succeed(0), in}, consume)
				in.Errback(errInput)
				if err := mustFail(t, in); err != errInput {
					t.Fatalf("the input lost its failure: %v", err)
				}
				if got := deferred.UnwrapFirstError(mustFail(t, g)); got != errInput {
					t.Fatalf("Gather failed with %v", got)
				}
				handle(g)
			}()
			want := 1
			if consume {
				want = 0
			}
			if n := countIs(reports(), errInput); n != want {
				t.Fatalf("the input's failure was reported %d times, want %d", n, want)
			}
		})
	}
}

// Twisted's test_cancelGatherResults: a cancel is broadcast to every input,
// in order, and the Gather fails with a FirstError holding the first
// input's *CancelledError.
func TestCancelGatherCancelsEveryInputInOrder(t *testing.T) {
	var r record
	ds := make([]*deferred.Deferred[int], 3)
	for i := range ds {
		ds[i] = deferred.New(func(*deferred.Deferred[int]) { r.add(fmt.Sprint(i)) })
	}
	g := deferred.Gather(ds, true)
	g.CancelWithReason("all")
	if got, want := r.get(), []string{"0", "1", "2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("cancellers ran in order %v, want %v", got, want)
	}
	for _, d := range ds {
		mustBeCancelled(t, d)
	}
	err := mustFail(t, g)
	var fe *deferred.FirstError
	if !errors.As(err, &fe) || fe.Index != 0 {
		t.Fatalf("failed with %v, want a FirstError for input 0", err)
	}
	// The Synapse hazard: the cancellation is wrapped, so == and a type
	// assertion miss it; errors.Is and UnwrapFirstError find it.
	if _, ok := err.(*deferred.CancelledError); ok || err == deferred.ErrCancelled {
		t.Fatal("the FirstError is not a wrapper")
	}
	if !errors.Is(err, deferred.ErrCancelled) {
		t.Fatal("errors.Is does not see the cancellation in the FirstError")
	}
	if ce, ok := deferred.UnwrapFirstError(err).(*deferred.CancelledError); !ok || ce.Reason != "all" {
		t.Fatalf("UnwrapFirstError gave %v, want the *CancelledError", deferred.UnwrapFirstError(err))
	}
	handle(g)
}

// Twisted's test_cancelGatherResultsWithAllDeferredsCallback.
func TestCancelGatherWhoseCancellersFireWithValues(t *testing.T) {
	ds := newDeferreds(2, func(d *deferred.Deferred[string]) { d.Callback("Callback Result") })
	g := deferred.Gather(ds, false)
	g.Cancel()
	if got := mustSucceed(t, g); !reflect.DeepEqual(got, []string{"Callback Result", "Callback Result"}) {
		t.Fatalf("got %v", got)
	}
}

// Twisted's test_cancelFiredOnOneErrbackDeferredList, for gather: once the
// Gather has failed, cancelling it leaves the other inputs alone.
func TestCancelFailedGatherDoesNothing(t *testing.T) {
	ds := newDeferreds[int](2, nil)
	g := deferred.Gather(ds, true)
	ds[0].Errback(errBoom)
	g.Cancel()
	mustPend(t, ds[1])
	if fe := new(deferred.FirstError); !errors.As(mustFail(t, g), &fe) || fe.Err != errBoom {
		t.Fatal("the result changed")
	}
	handle(g)
}

// Twisted's test_cancelDeferredListWithException: a canceller that panics
// does not stop the broadcast.
func TestCancelGatherReachesEveryInputEvenIfACancellerPanics(t *testing.T) {
	first := deferred.New(func(*deferred.Deferred[int]) { panic("canceller") })
	second := deferred.New[int](nil)
	g := deferred.Gather([]*deferred.Deferred[int]{first, second}, true)
	g.Cancel()
	mustBeCancelled(t, second)
	var pe *deferred.PanicError
	if err := mustFail(t, g); !errors.As(err, &pe) || !errors.Is(err, deferred.ErrCancelled) {
		t.Fatalf("failed with %v, want the cancellation caused by the panic", err)
	}
	handle(g)
}

// Twisted's test_cancelDeferredListWithOriginalDeferreds: Gather keeps its
// own copy of the inputs.
func TestGatherIsNotAffectedByChangesToTheInputSlice(t *testing.T) {
	ds := newDeferreds[int](2, nil)
	g := deferred.Gather(ds, true)
	other := deferred.New[int](nil)
	ds[1] = other
	g.Cancel()
	mustPend(t, other)
	ds[0].Callback(1) // ignored: cancelled already
	handle(g)
}

func TestGatherOfTheSameDeferredTwice(t *testing.T) {
	d := deferred.New[int](nil)
	g := deferred.Gather([]*deferred.Deferred[int]{d, d}, false)
	d.Callback(5)
	if got := mustSucceed(t, g); !reflect.DeepEqual(got, []int{5, 5}) {
		t.Fatalf("got %v", got)
	}
}

// The Synapse guide's "Good" gather pattern: a request awaiting a Gather,
// cancelled, unwraps the FirstError and sees a plain *CancelledError.
func TestAwaitCancelledGatherThenUnwrapFirstError(t *testing.T) {
	ds := newDeferreds[int](2, nil)
	var got error
	req := deferred.Run(func(t *deferred.Task) ([]int, error) {
		vs, err := deferred.Await(t, deferred.Gather(ds, true))
		got = deferred.UnwrapFirstError(err)
		return vs, got
	})
	req.Cancel()
	if _, ok := got.(*deferred.CancelledError); !ok {
		t.Fatalf("after UnwrapFirstError: %v (%T), want a *CancelledError", got, got)
	}
	mustBeCancelled(t, req)
	handle(req)
}
