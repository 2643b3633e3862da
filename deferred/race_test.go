package deferred_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
)

// raceVal is the input type of these tests, so that the unhandled-failure
// checks see only their own Deferreds.
type raceVal int

// raceInputs returns n unfired inputs and, for each, how often its
// canceller ran (Twisted's _setupRaceState).
func raceInputs(n int) ([]*deferred.Deferred[raceVal], []int) {
	cancels := make([]int, n)
	ds := make([]*deferred.Deferred[raceVal], n)
	for i := range ds {
		ds[i] = deferred.New(countingCanceller[raceVal](&cancels[i], nil))
	}
	return ds, cancels
}

// The winner's index and value, and every other input cancelled once,
// wherever the winner stands (Twisted's test_success).
func TestRaceSuccessCancelsTheOthers(t *testing.T) {
	for before := range 4 {
		for after := range 4 {
			t.Run(fmt.Sprintf("%d before, %d after", before, after), func(t *testing.T) {
				ds, cancels := raceInputs(before + 1 + after)
				r := deferred.Race(ds)
				ds[before].Callback(42)
				if got, want := mustSucceed(t, r), (deferred.Winner[raceVal]{Index: before, Value: 42}); got != want {
					t.Fatalf("winner %v, want %v", got, want)
				}
				for i, n := range cancels {
					want := 1
					if i == before {
						want = 0
					}
					if n != want {
						t.Fatalf("input %d cancelled %d times, want %d", i, n, want)
					}
				}
			})
		}
	}
}

// The losers are cancelled, saying why, before the race's callbacks run.
func TestRaceCancelsLosersBeforeFiring(t *testing.T) {
	ds, _ := raceInputs(3)
	r := deferred.Race(ds)
	var reasons []string
	r.AddCallback(func(w deferred.Winner[raceVal]) (deferred.Winner[raceVal], error) {
		for _, i := range []int{0, 2} {
			_, err, ok := ds[i].Result()
			var ce *deferred.CancelledError
			if !ok || !errors.As(err, &ce) {
				t.Errorf("input %d not cancelled when the race fired", i)
				continue
			}
			reasons = append(reasons, ce.Reason)
		}
		return w, nil
	})
	ds[1].Callback(1)
	if want := []string{"lost the race", "lost the race"}; !reflect.DeepEqual(reasons, want) {
		t.Fatalf("reasons %q, want %q", reasons, want)
	}
}

type raceFailure struct{ n int }

func (e *raceFailure) Error() string { return fmt.Sprintf("race failure %d", e.n) }

// Every input failing fails the race with all their errors, in input order,
// which errors.Is and errors.As find (Twisted's test_failure).
func TestRaceAllFail(t *testing.T) {
	ds, cancels := raceInputs(3)
	r := deferred.Race(ds)
	for _, i := range []int{2, 0, 1} {
		mustPend(t, r)
		ds[i].Errback(&raceFailure{i})
	}
	handleAtEnd(t, r)
	err := mustFail(t, r)
	var ae *deferred.AllFailedError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v, want an *AllFailedError", err)
	}
	for i, e := range ae.Errs {
		if rf, ok := e.(*raceFailure); !ok || rf.n != i {
			t.Fatalf("Errs[%d] = %v, want race failure %d", i, e, i)
		}
	}
	var rf *raceFailure
	if !errors.As(err, &rf) {
		t.Error("errors.As does not find an input's error type")
	}
	if !errors.Is(err, ae.Errs[1]) {
		t.Error("errors.Is does not find an input's error")
	}
	if errors.Is(err, deferred.ErrCancelled) {
		t.Error("errors.Is(err, ErrCancelled) with no cancellation")
	}
	if !reflect.DeepEqual(cancels, []int{0, 0, 0}) {
		t.Errorf("cancellers ran %v times, want none", cancels)
	}
}

func TestRaceOfNothingFailsAtOnce(t *testing.T) {
	r := deferred.Race([]*deferred.Deferred[raceVal]{})
	handleAtEnd(t, r)
	err := mustFail(t, r)
	var ae *deferred.AllFailedError
	if !errors.As(err, &ae) || len(ae.Errs) != 0 {
		t.Fatalf("error %v, want an *AllFailedError with no errors", err)
	}
}

func TestRaceOfAFiredInput(t *testing.T) {
	ds, cancels := raceInputs(3)
	ds[1] = deferred.Succeed[raceVal](7)
	r := deferred.Race(ds)
	if got := mustSucceed(t, r); got != (deferred.Winner[raceVal]{Index: 1, Value: 7}) {
		t.Fatalf("winner %v", got)
	}
	if cancels[0] != 1 || cancels[2] != 1 {
		t.Fatalf("cancellers ran %v times, want the others once", cancels)
	}
}

// A loser that fires after it was cancelled goes nowhere: no panic, nothing
// reported (Twisted's test_resultAfterCancel), and a loser whose canceller
// fires it with a value does not change the winner (test_resultFromCancel).
func TestRaceLateLosers(t *testing.T) {
	reports := unhandledReports(t)
	func() {
		ds := []*deferred.Deferred[raceVal]{
			deferred.New[raceVal](nil),
			deferred.New[raceVal](nil),
			deferred.New(func(d *deferred.Deferred[raceVal]) { d.Callback(99) }),
			deferred.New[raceVal](nil),
		}
		r := deferred.Race(ds)
		ds[3].Errback(errListA) // a failure before the winner
		ds[0].Callback(1)
		ds[1].Callback(2) // after its cancel: ignored
		if w := mustSucceed(t, r); w != (deferred.Winner[raceVal]{Index: 0, Value: 1}) {
			t.Errorf("winner %v, want input 0", w)
		}
	}()
	if got := errorsOf[raceVal](reports()); len(got) != 0 {
		t.Fatalf("reported unhandled: %v", got)
	}
	// The check can fail: a cancelled input dropped outside a race is
	// reported.
	func() { deferred.New[raceVal](nil).Cancel() }()
	if got := errorsOf[raceVal](reports()); len(got) != 1 || !errors.Is(got[0], deferred.ErrCancelled) {
		t.Fatalf("reported %v, want one cancellation", got)
	}
}

// Cancelling the race cancels every input; they all fail, so the race's
// error Is ErrCancelled (Twisted's test_cancel).
func TestRaceCancel(t *testing.T) {
	for n := 1; n <= 3; n++ {
		ds, cancels := raceInputs(n)
		r := deferred.Race(ds)
		r.CancelWithReason("client gone")
		for i, c := range cancels {
			if c != 1 {
				t.Fatalf("n=%d: input %d cancelled %d times, want 1", n, i, c)
			}
		}
		handleAtEnd(t, r)
		err := mustFail(t, r)
		var ae *deferred.AllFailedError
		if !errors.As(err, &ae) || len(ae.Errs) != n || !errors.Is(err, deferred.ErrCancelled) {
			t.Fatalf("n=%d: error %v, want an *AllFailedError of %d cancellations", n, err, n)
		}
		var ce *deferred.CancelledError
		if errors.As(err, &ce); ce == nil || ce.Reason != "client gone" {
			t.Fatalf("n=%d: cancellation %v, want the reason %q", n, ce, "client gone")
		}
	}
}

// A cancel after the race has fired touches nothing: the winner is the
// caller's now.
func TestRaceCancelAfterItFired(t *testing.T) {
	ds, cancels := raceInputs(2)
	winner := ds[0]
	r := deferred.Race(ds)
	winner.AddDeferredCallback(func(raceVal) *deferred.Deferred[raceVal] { return deferred.New[raceVal](nil) })
	// winner's chain now waits: a cancel forwarded to it would fail it.
	winner.Callback(1)
	r.Cancel()
	mustPend(t, winner)
	mustSucceed(t, r)
	if !reflect.DeepEqual(cancels, []int{0, 1}) {
		t.Fatalf("cancellers ran %v times, want [0 1]", cancels)
	}
}

// Racing two async functions on a test clock: the slower one's Await
// returns the *CancelledError, and its timer is stopped.
func TestRaceOfAsyncFunctions(t *testing.T) {
	var c deferredtest.Clock
	var slowErr error
	worker := func(delay time.Duration, v raceVal, errp *error) *deferred.Deferred[raceVal] {
		return deferred.Run(func(task *deferred.Task) (raceVal, error) {
			if _, err := deferred.Await(task, deferred.Sleep(&c, delay)); err != nil {
				if errp != nil {
					*errp = err
				}
				return 0, err
			}
			return v, nil
		})
	}
	r := deferred.Race([]*deferred.Deferred[raceVal]{worker(2*time.Second, 1, &slowErr), worker(time.Second, 2, nil)})
	c.Advance(time.Second)
	if got := mustSucceed(t, r); got != (deferred.Winner[raceVal]{Index: 1, Value: 2}) {
		t.Fatalf("winner %v, want the faster input", got)
	}
	var ce *deferred.CancelledError
	if !errors.As(slowErr, &ce) || ce.Reason != "lost the race" {
		t.Fatalf("the slower function's Await returned %v, want a *CancelledError", slowErr)
	}
	if p := c.Pending(); len(p) != 0 {
		t.Fatalf("the slower function's timer is still pending: %v", p)
	}
}

// Inputs fired and the race cancelled from many goroutines at once: the
// race fires exactly once, with a winner that did succeed, or with every
// failure.
func TestRaceConcurrent(t *testing.T) {
	for round := range 50 {
		const n = 8
		ds := make([]*deferred.Deferred[raceVal], n)
		for i := range ds {
			ds[i] = deferred.New[raceVal](nil)
		}
		r := deferred.Race(ds)
		var wg sync.WaitGroup
		for i, d := range ds {
			wg.Go(func() {
				if (i+round)%3 == 0 {
					d.Errback(errListA)
				} else {
					d.Callback(raceVal(i))
				}
			})
		}
		if round%2 == 0 {
			wg.Go(r.Cancel)
		}
		wg.Wait()
		w, err, ok := r.Result()
		switch {
		case !ok:
			t.Fatalf("round %d: the race did not fire", round)
		case err == nil && w.Value != raceVal(w.Index):
			t.Fatalf("round %d: winner %v did not succeed with that value", round, w)
		case err != nil:
			var ae *deferred.AllFailedError
			if !errors.As(err, &ae) || len(ae.Errs) != n {
				t.Fatalf("round %d: error %v, want an *AllFailedError of %d", round, err, n)
			}
			handle(r)
		}
	}
}
