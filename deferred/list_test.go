package deferred_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

var (
	errListA = errors.New("list failure A")
	errListB = errors.New("list failure B")
)

// listVal is the input type of these tests, so that the unhandled-failure
// checks see only their own Deferreds.
type listVal string

func newInputs(n int) []*deferred.Deferred[listVal] {
	ds := make([]*deferred.Deferred[listVal], n)
	for i := range ds {
		ds[i] = deferred.New[listVal](nil)
	}
	return ds
}

func TestListWaitsForEveryInputInInputOrder(t *testing.T) {
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			ds := newInputs(3)
			l := deferred.List(ds, deferred.ListOptions{})
			for _, i := range order {
				mustPend(t, l)
				if i == 1 {
					ds[i].Errback(errListA)
					handle(ds[i])
				} else {
					ds[i].Callback(listVal(fmt.Sprint(i)))
				}
			}
			got := mustSucceed(t, l)
			want := []deferred.Result[listVal]{{Value: "0"}, {Err: errListA}, {Value: "2"}}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("results %v, want %v", got, want)
			}
		})
	}
}

func TestListOfNothingFiresAtOnce(t *testing.T) {
	for _, opts := range allListOptions {
		got := mustSucceed(t, deferred.List([]*deferred.Deferred[listVal]{}, opts))
		if got == nil || len(got) != 0 {
			t.Errorf("List(nil, %+v) fired with %#v, want an empty slice", opts, got)
		}
	}
}

func TestListOfFiredInputsFiresAtOnce(t *testing.T) {
	failed := deferred.Fail[listVal](errListA)
	l := deferred.List([]*deferred.Deferred[listVal]{failed, deferred.Succeed[listVal]("b")}, deferred.ListOptions{ConsumeErrors: true})
	want := []deferred.Result[listVal]{{Err: errListA}, {Value: "b"}}
	if got := mustSucceed(t, l); !reflect.DeepEqual(got, want) {
		t.Fatalf("results %v, want %v", got, want)
	}
}

var allListOptions = []deferred.ListOptions{
	{},
	{FireOnOneErrback: true},
	{ConsumeErrors: true},
	{FireOnOneErrback: true, ConsumeErrors: true},
}

// Every option combination of List and First, on the same story: input 1
// fails, then input 0 succeeds, then input 2 succeeds.
func TestListAndFirstOptions(t *testing.T) {
	type outcome struct {
		after int // events before the result fires
		value any
		err   error
	}
	firstErr := &deferred.FirstError{Index: 1, Err: errListA}
	allResults := []deferred.Result[listVal]{{Value: "a"}, {Err: errListA}, {Value: "c"}}
	tests := []struct {
		first bool
		opts  deferred.ListOptions
		want  outcome
	}{
		{false, deferred.ListOptions{}, outcome{after: 3, value: allResults}},
		{false, deferred.ListOptions{ConsumeErrors: true}, outcome{after: 3, value: allResults}},
		{false, deferred.ListOptions{FireOnOneErrback: true}, outcome{after: 1, err: firstErr}},
		{false, deferred.ListOptions{FireOnOneErrback: true, ConsumeErrors: true}, outcome{after: 1, err: firstErr}},
		{true, deferred.ListOptions{}, outcome{after: 2, value: deferred.Winner[listVal]{Index: 0, Value: "a"}}},
		{true, deferred.ListOptions{ConsumeErrors: true}, outcome{after: 2, value: deferred.Winner[listVal]{Index: 0, Value: "a"}}},
		{true, deferred.ListOptions{FireOnOneErrback: true}, outcome{after: 1, err: firstErr}},
		{true, deferred.ListOptions{FireOnOneErrback: true, ConsumeErrors: true}, outcome{after: 1, err: firstErr}},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("List%+v", tt.opts)
		if tt.first {
			name = fmt.Sprintf("First%+v", tt.opts)
		}
		t.Run(name, func(t *testing.T) {
			ds := newInputs(3)
			defer handle(ds[1])
			// result reads the List or First without changing it.
			var result func() (any, error, bool)
			if tt.first {
				f := deferred.First(ds, tt.opts)
				handleAtEnd(t, f)
				result = func() (any, error, bool) { return f.Result() }
			} else {
				l := deferred.List(ds, tt.opts)
				handleAtEnd(t, l)
				result = func() (any, error, bool) { return l.Result() }
			}
			events := []func(){
				func() { ds[1].Errback(errListA) },
				func() { ds[0].Callback("a") },
				func() { ds[2].Callback("c") },
			}
			for n, fire := range events {
				if _, _, ok := result(); ok {
					t.Fatalf("fired after %d events, want %d", n, tt.want.after)
				}
				fire()
				if n+1 < tt.want.after {
					continue
				}
				v, err, ok := result()
				if !ok {
					t.Fatalf("not fired after %d events", n+1)
				}
				if tt.want.err != nil {
					if !reflect.DeepEqual(err, tt.want.err) {
						t.Fatalf("error %#v, want %#v", err, tt.want.err)
					}
				} else if err != nil || !reflect.DeepEqual(v, tt.want.value) {
					t.Fatalf("result (%v, %v), want %v", v, err, tt.want.value)
				}
				break
			}
		})
	}
}

// Without ConsumeErrors an input's failure stays unhandled on the input (and
// is reported when it is dropped); with it, it counts as handled. Either way
// the result carries it.
func TestListConsumeErrors(t *testing.T) {
	for _, first := range []bool{false, true} {
		for _, consume := range []bool{false, true} {
			t.Run(fmt.Sprintf("first=%v,consume=%v", first, consume), func(t *testing.T) {
				var seen error
				reports := unhandledReports(t)
				func() {
					ds := newInputs(2)
					opts := deferred.ListOptions{ConsumeErrors: consume}
					if first {
						f := deferred.First(ds, opts)
						ds[0].Errback(errListA)
						ds[1].Errback(errListB)
						var ae *deferred.AllFailedError
						handleAtEnd(t, f)
						if errors.As(mustFail(t, f), &ae) {
							seen = ae.Errs[0]
						}
						handle(f)
					} else {
						l := deferred.List(ds, opts)
						ds[0].Errback(errListA)
						ds[1].Errback(errListB)
						seen = mustSucceed(t, l)[0].Err
					}
				}()
				reported := errorsOf[listVal](reports())
				if seen != errListA {
					t.Errorf("the result carries %v, want %v", seen, errListA)
				}
				want := 2
				if consume {
					want = 0
				}
				if len(reported) != want {
					t.Errorf("%d input failures reported unhandled (%v), want %d", len(reported), reported, want)
				}
			})
		}
	}
}

// List reads its inputs: a callback added to an input afterwards still sees
// the input's own result (Twisted's consumeErrors would leave None there).
func TestListLeavesInputsAsTheyAre(t *testing.T) {
	ds := newInputs(2)
	deferred.List(ds, deferred.ListOptions{ConsumeErrors: true})
	ds[0].Callback("a")
	ds[1].Errback(errListA)
	if got := mustSucceed(t, ds[0]); got != "a" {
		t.Errorf("input 0 holds %q, want %q", got, "a")
	}
	handleAtEnd(t, ds[1])
	if err := mustFail(t, ds[1]); err != errListA {
		t.Errorf("input 1 holds %v, want %v", err, errListA)
	}
}

func TestListCancel(t *testing.T) {
	cancels := make([]int, 3)
	ds := []*deferred.Deferred[listVal]{
		deferred.New(countingCanceller[listVal](&cancels[0], nil)),
		deferred.New(countingCanceller[listVal](&cancels[1], nil)),
		deferred.New(countingCanceller[listVal](&cancels[2], nil)),
	}
	ds[1].Callback("fired")
	l := deferred.List(ds, deferred.ListOptions{ConsumeErrors: true})
	l.CancelWithReason("shutting down")
	if want := []int{1, 0, 1}; !reflect.DeepEqual(cancels, want) {
		t.Fatalf("cancellers ran %v times, want %v: every unfired input once", cancels, want)
	}
	got := mustSucceed(t, l)
	for _, i := range []int{0, 2} {
		var ce *deferred.CancelledError
		if !errors.As(got[i].Err, &ce) || ce.Reason != "shutting down" {
			t.Errorf("input %d: %v, want a *CancelledError with the reason", i, got[i].Err)
		}
	}
	if got[1] != (deferred.Result[listVal]{Value: "fired"}) {
		t.Errorf("input 1: %v, want its value", got[1])
	}
	l.Cancel() // fired: nothing happens
	if want := []int{1, 0, 1}; !reflect.DeepEqual(cancels, want) {
		t.Fatalf("a cancel after the list fired reached the inputs: %v", cancels)
	}
}

// Cancelling a List or a First: what each option makes of the inputs'
// cancellations, and of a canceller that fires its input with a value.
func TestListCancelOutcomes(t *testing.T) {
	valueCanceller := func(d *deferred.Deferred[listVal]) { d.Callback("from canceller") }
	tests := []struct {
		name       string
		first      bool
		opts       deferred.ListOptions
		cancellers []func(*deferred.Deferred[listVal])
		check      func(t *testing.T, v any, err error)
	}{
		{
			name:       "List: the canceller's value and a cancellation",
			cancellers: []func(*deferred.Deferred[listVal]){valueCanceller, nil},
			check: func(t *testing.T, v any, err error) {
				rs := v.([]deferred.Result[listVal])
				if err != nil || rs[0].Value != "from canceller" || !errors.Is(rs[1].Err, deferred.ErrCancelled) {
					t.Fatalf("got (%v, %v)", v, err)
				}
			},
		},
		{
			name:       "List with FireOnOneErrback: a FirstError around the first cancellation",
			opts:       deferred.ListOptions{FireOnOneErrback: true},
			cancellers: []func(*deferred.Deferred[listVal]){nil, nil},
			check: func(t *testing.T, _ any, err error) {
				var fe *deferred.FirstError
				if !errors.As(err, &fe) || fe.Index != 0 || !errors.Is(fe.Err, deferred.ErrCancelled) {
					t.Fatalf("error %v, want a *FirstError at 0 around a cancellation", err)
				}
			},
		},
		{
			name:       "List with FireOnOneErrback: every canceller fires a value",
			opts:       deferred.ListOptions{FireOnOneErrback: true},
			cancellers: []func(*deferred.Deferred[listVal]){valueCanceller, valueCanceller},
			check: func(t *testing.T, v any, err error) {
				want := []deferred.Result[listVal]{{Value: "from canceller"}, {Value: "from canceller"}}
				if err != nil || !reflect.DeepEqual(v, want) {
					t.Fatalf("got (%v, %v), want %v", v, err, want)
				}
			},
		},
		{
			name:       "First: every input cancelled",
			first:      true,
			cancellers: []func(*deferred.Deferred[listVal]){nil, nil},
			check: func(t *testing.T, _ any, err error) {
				var ae *deferred.AllFailedError
				if !errors.As(err, &ae) || len(ae.Errs) != 2 || !errors.Is(err, deferred.ErrCancelled) {
					t.Fatalf("error %v, want an *AllFailedError of two cancellations", err)
				}
			},
		},
		{
			name:       "First: a canceller's value wins",
			first:      true,
			cancellers: []func(*deferred.Deferred[listVal]){nil, valueCanceller},
			check: func(t *testing.T, v any, err error) {
				want := deferred.Winner[listVal]{Index: 1, Value: "from canceller"}
				if err != nil || v != want {
					t.Fatalf("got (%v, %v), want %v", v, err, want)
				}
			},
		},
		{
			name:       "First with FireOnOneErrback: a FirstError around the first cancellation",
			first:      true,
			opts:       deferred.ListOptions{FireOnOneErrback: true},
			cancellers: []func(*deferred.Deferred[listVal]){nil, valueCanceller},
			check: func(t *testing.T, _ any, err error) {
				var fe *deferred.FirstError
				if !errors.As(err, &fe) || fe.Index != 0 || !errors.Is(fe.Err, deferred.ErrCancelled) {
					t.Fatalf("error %v, want a *FirstError at 0 around a cancellation", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.ConsumeErrors = true
			var ds []*deferred.Deferred[listVal]
			for _, c := range tt.cancellers {
				ds = append(ds, deferred.New(c))
			}
			if tt.first {
				f := deferred.First(ds, tt.opts)
				f.Cancel()
				v, err, ok := f.Result()
				if !ok {
					t.Fatal("First did not fire when cancelled")
				}
				handleAtEnd(t, f)
				tt.check(t, v, err)
			} else {
				l := deferred.List(ds, tt.opts)
				l.Cancel()
				v, err, ok := l.Result()
				if !ok {
					t.Fatal("List did not fire when cancelled")
				}
				handleAtEnd(t, l)
				tt.check(t, v, err)
			}
			// Every input was cancelled, whatever the list did meanwhile.
			for i, d := range ds {
				if _, _, ok := d.Result(); !ok {
					t.Errorf("input %d was not cancelled", i)
				}
			}
		})
	}
}

// Once a List or First has fired, a cancel leaves the inputs alone
// (Twisted's test_cancelFiredOnOne...DeferredList).
func TestListCancelAfterFiringOnOne(t *testing.T) {
	t.Run("First", func(t *testing.T) {
		ds := newInputs(2)
		f := deferred.First(ds, deferred.ListOptions{})
		ds[0].Callback("a")
		f.Cancel()
		mustPend(t, ds[1])
		if got := mustSucceed(t, f); got != (deferred.Winner[listVal]{Index: 0, Value: "a"}) {
			t.Fatalf("winner %v", got)
		}
	})
	t.Run("FireOnOneErrback", func(t *testing.T) {
		ds := newInputs(2)
		l := deferred.List(ds, deferred.ListOptions{FireOnOneErrback: true, ConsumeErrors: true})
		ds[0].Errback(errListA)
		l.Cancel()
		mustPend(t, ds[1])
		handleAtEnd(t, l)
		mustFail(t, l)
	})
}

// A canceller that panics does not stop the broadcast (Twisted's
// test_cancelDeferredListWithException).
func TestListCancelGoesOnAfterAPanickingCanceller(t *testing.T) {
	ds := []*deferred.Deferred[listVal]{
		deferred.New(func(*deferred.Deferred[listVal]) { panic("canceller") }),
		deferred.New[listVal](nil),
	}
	l := deferred.List(ds, deferred.ListOptions{ConsumeErrors: true})
	l.Cancel()
	rs := mustSucceed(t, l)
	var pe *deferred.PanicError
	if !errors.As(rs[0].Err, &pe) {
		t.Errorf("input 0: %v, want the canceller's *PanicError", rs[0].Err)
	}
	if !errors.Is(rs[1].Err, deferred.ErrCancelled) {
		t.Errorf("input 1: %v, want a cancellation", rs[1].Err)
	}
}

// List keeps its own copy of the inputs: changing the caller's slice
// afterwards changes nothing (Twisted's
// test_cancelDeferredListWithOriginalDeferreds).
func TestListCopiesItsInputs(t *testing.T) {
	ds := newInputs(2)
	l := deferred.List(ds, deferred.ListOptions{ConsumeErrors: true})
	replaced := ds[1]
	ds[1] = deferred.New[listVal](nil)
	l.Cancel()
	handleAtEnd(t, replaced)
	mustBeCancelled(t, replaced)
	mustPend(t, ds[1])
}

func TestFirst(t *testing.T) {
	t.Run("does not cancel the others", func(t *testing.T) {
		cancels := 0
		ds := []*deferred.Deferred[listVal]{deferred.New(countingCanceller[listVal](&cancels, nil)), deferred.New[listVal](nil)}
		f := deferred.First(ds, deferred.ListOptions{})
		ds[1].Callback("b")
		if got := mustSucceed(t, f); got != (deferred.Winner[listVal]{Index: 1, Value: "b"}) {
			t.Fatalf("winner %v", got)
		}
		if cancels != 0 {
			t.Fatal("First cancelled a slower input")
		}
		mustPend(t, ds[0])
	})
	t.Run("already fired: the first in input order", func(t *testing.T) {
		ds := []*deferred.Deferred[listVal]{deferred.New[listVal](nil), deferred.Succeed[listVal]("b"), deferred.Succeed[listVal]("c")}
		f := deferred.First(ds, deferred.ListOptions{})
		if got := mustSucceed(t, f); got != (deferred.Winner[listVal]{Index: 1, Value: "b"}) {
			t.Fatalf("winner %v", got)
		}
	})
	t.Run("every input fails", func(t *testing.T) {
		ds := newInputs(2)
		f := deferred.First(ds, deferred.ListOptions{ConsumeErrors: true})
		ds[1].Errback(errListB)
		mustPend(t, f)
		ds[0].Errback(errListA)
		handleAtEnd(t, f)
		err := mustFail(t, f)
		var ae *deferred.AllFailedError
		if !errors.As(err, &ae) || !reflect.DeepEqual(ae.Errs, []error{errListA, errListB}) {
			t.Fatalf("error %v, want an *AllFailedError of both, in input order", err)
		}
		if !errors.Is(err, errListA) || !errors.Is(err, errListB) {
			t.Fatal("errors.Is does not see the inputs' errors")
		}
	})
	t.Run("no inputs", func(t *testing.T) {
		f := deferred.First([]*deferred.Deferred[listVal]{}, deferred.ListOptions{})
		handleAtEnd(t, f)
		err := mustFail(t, f)
		var ae *deferred.AllFailedError
		if !errors.As(err, &ae) || len(ae.Errs) != 0 {
			t.Fatalf("error %v, want an empty *AllFailedError", err)
		}
	})
}

func TestAllFailedErrorMessage(t *testing.T) {
	tests := []struct {
		errs []error
		want string
	}{
		{nil, "deferred: no inputs"},
		{[]error{errListA}, "deferred: all 1 inputs failed: list failure A"},
		{[]error{errListA, errListB}, "deferred: all 2 inputs failed: list failure A; list failure B"},
	}
	for _, tt := range tests {
		if got := (&deferred.AllFailedError{Errs: tt.errs}).Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// A nil input is a clear panic that names it, not a nil dereference later.
func TestNilInputPanics(t *testing.T) {
	for _, f := range []func([]*deferred.Deferred[listVal]){
		func(ds []*deferred.Deferred[listVal]) { deferred.List(ds, deferred.ListOptions{}) },
		func(ds []*deferred.Deferred[listVal]) { deferred.First(ds, deferred.ListOptions{}) },
		func(ds []*deferred.Deferred[listVal]) { deferred.Race(ds) },
		func(ds []*deferred.Deferred[listVal]) { deferred.Gather(ds, false) },
		func(ds []*deferred.Deferred[listVal]) { deferred.Gather(ds, true) },
	} {
		func() {
			defer func() {
				p := recover()
				if msg, _ := p.(string); !strings.Contains(msg, "input 1") {
					t.Errorf("panic %v, want one naming input 1", p)
				}
			}()
			f([]*deferred.Deferred[listVal]{deferred.New[listVal](nil), nil})
		}()
	}
}

// Inputs fired from many goroutines at once: every result lands in its slot.
func TestListConcurrentInputs(t *testing.T) {
	const n = 100
	ds := newInputs(n)
	l := deferred.List(ds, deferred.ListOptions{ConsumeErrors: true})
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Go(func() {
			if i%2 == 0 {
				d.Callback(listVal(fmt.Sprint(i)))
			} else {
				d.Errback(errListA)
			}
		})
	}
	wg.Wait()
	for i, r := range mustSucceed(t, l) {
		if i%2 == 0 && r != (deferred.Result[listVal]{Value: listVal(fmt.Sprint(i))}) || i%2 == 1 && r.Err != errListA {
			t.Fatalf("result %d is %v", i, r)
		}
	}
}
