package deferred_test

// Chains: the order of callbacks and errbacks, how a failure and a recovery
// travel down the chain, panics, and chaining to another Deferred. These
// mirror DeferredTests in Twisted's src/twisted/test/test_defer.py.

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// appendTo returns a callback that records its value and passes it on.
func appendTo[T any](r *record, label string) func(T) (T, error) {
	return func(v T) (T, error) {
		r.add(fmt.Sprint(label, ":", v))
		return v, nil
	}
}

func TestCallbackReceivesValue(t *testing.T) {
	var got string
	d := deferred.New[string](nil)
	d.AddCallback(func(v string) (string, error) { got = v; return v, nil })
	d.Callback("hello")
	if got != "hello" {
		t.Fatalf("callback got %q, want %q", got, "hello")
	}
}

func TestCallbacksRunInOrderAdded(t *testing.T) {
	var r record
	d := deferred.New[int](nil)
	d.AddCallback(func(v int) (int, error) { r.add("first"); return v + 1, nil })
	d.AddCallback(func(v int) (int, error) { r.add("second"); return v * 10, nil })
	d.AddCallback(func(v int) (int, error) { r.add("third"); return v - 3, nil })
	d.Callback(1)
	if got, want := r.get(), []string{"first", "second", "third"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if got := mustSucceed(t, d); got != 17 {
		t.Fatalf("result %d, want 17", got)
	}
}

func TestAddCallbacksNilErrbackPassesFailureOn(t *testing.T) {
	d := deferred.New[int](nil)
	called := false
	d.AddCallbacks(func(v int) (int, error) { called = true; return v, nil }, nil)
	d.Errback(errBoom)
	var got error
	d.AddErrback(func(err error) (int, error) { got = err; return 0, nil })
	if called {
		t.Fatal("callback ran on a failure")
	}
	if got != errBoom {
		t.Fatalf("errback got %v, want %v", got, errBoom)
	}
}

func TestAddCallbacksNilCallbackPassesValueOn(t *testing.T) {
	d := deferred.New[int](nil)
	d.AddCallbacks(nil, func(error) (int, error) { t.Error("errback ran on a value"); return 0, nil })
	d.Callback(7)
	if got := mustSucceed(t, d); got != 7 {
		t.Fatalf("result %d, want 7", got)
	}
}

func TestSucceedRunsCallbackAtOnce(t *testing.T) {
	var r record
	deferred.Succeed("success").AddCallback(appendTo[string](&r, "cb"))
	if got, want := r.get(), []string{"cb:success"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestFailRunsErrbackAtOnce(t *testing.T) {
	var got error
	deferred.Fail[int](errBoom).AddErrback(func(err error) (int, error) { got = err; return 0, nil })
	if got != errBoom {
		t.Fatalf("errback got %v, want %v", got, errBoom)
	}
}

func TestFailWithNilPanics(t *testing.T) {
	if p := panicValue(func() { deferred.Fail[int](nil) }); p == nil {
		t.Fatal("Fail(nil) did not panic")
	}
}

func TestCallbackErrorGoesToNextErrback(t *testing.T) {
	d := deferred.New[int](nil)
	var got error
	d.AddCallback(func(int) (int, error) { return 0, errBoom }).
		AddCallback(func(int) (int, error) { t.Error("callback after a failure ran"); return 0, nil }).
		AddErrback(func(err error) (int, error) { got = err; return 0, nil })
	d.Callback(1)
	if got != errBoom {
		t.Fatalf("errback got %v, want %v", got, errBoom)
	}
}

// panicsInStage is a named function so that the stack of the *PanicError
// can be checked for it.
func panicsInStage(int) (int, error) {
	var m map[string]int
	m["x"] = 1 // a runtime panic: assignment to entry in nil map
	return 0, nil
}

func TestCallbackPanicBecomesPanicErrorWithStack(t *testing.T) {
	d := deferred.New[int](nil)
	d.AddCallback(panicsInStage)
	d.Callback(1)
	err := mustFail(t, d)
	var pe *deferred.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("failed with %T %v, want a *PanicError", err, err)
	}
	if !strings.Contains(fmt.Sprint(pe.Value), "nil map") {
		t.Errorf("panic value %v, want the nil map panic", pe.Value)
	}
	if !strings.Contains(string(pe.Stack), "panicsInStage") {
		t.Errorf("stack does not name the panicking function:\n%s", pe.Stack)
	}
	handle(d)
}

func TestErrbackAndAddBothPanicsBecomePanicErrors(t *testing.T) {
	for name, add := range map[string]func(*deferred.Deferred[int]){
		"errback": func(d *deferred.Deferred[int]) {
			d.AddErrback(func(error) (int, error) { panic("in errback") })
		},
		"both": func(d *deferred.Deferred[int]) {
			d.AddBoth(func(int, error) (int, error) { panic("in both") })
		},
	} {
		t.Run(name, func(t *testing.T) {
			d := deferred.New[int](nil)
			add(d)
			d.Errback(errBoom)
			var pe *deferred.PanicError
			if err := mustFail(t, d); !errors.As(err, &pe) || len(pe.Stack) == 0 {
				t.Fatalf("failed with %v, want a *PanicError with a stack", err)
			}
			handle(d)
		})
	}
}

func TestPanicErrorUnwrapsAnErrorValue(t *testing.T) {
	d := deferred.Succeed(1).AddCallback(func(int) (int, error) { panic(errBoom) })
	err := mustFail(t, d)
	if !errors.Is(err, errBoom) {
		t.Fatalf("errors.Is(%v, errBoom) = false, want true", err)
	}
	handle(d)
}

func TestErrbackReturningNilErrorRecovers(t *testing.T) {
	d := deferred.New[int](nil)
	var got int
	d.AddErrback(func(error) (int, error) { return 42, nil }).
		AddCallback(func(v int) (int, error) { got = v; return v, nil })
	d.Errback(errBoom)
	if got != 42 {
		t.Fatalf("callback after recovery got %d, want 42", got)
	}
	if mustSucceed(t, d) != 42 {
		t.Fatal("recovered chain has no value 42")
	}
}

func TestErrbackReturningErrorPassesAFailureOn(t *testing.T) {
	d := deferred.Fail[int](errBoom)
	d.AddErrback(func(err error) (int, error) { return 0, fmt.Errorf("wrapped: %w", err) })
	err := mustFail(t, d)
	if !errors.Is(err, errBoom) || err == errBoom {
		t.Fatalf("failed with %v, want the errback's wrapping of errBoom", err)
	}
	handle(d)
}

// TestStageFlow follows the paths of krondo's figure 17 (seed 003): stage
// N's outcome picks stage N+1's callback (success) or errback (failure).
func TestStageFlow(t *testing.T) {
	type stage struct{ cbFails, ebFails bool }
	tests := []struct {
		name   string
		fail   bool // fire with Errback
		stages []stage
		want   []string
		ok     bool
	}{
		{"all succeed", false, []stage{{}, {}, {}}, []string{"cb0", "cb1", "cb2"}, true},
		{"figure 18", false, []stage{{}, {cbFails: true}, {}, {}}, []string{"cb0", "cb1", "eb2", "cb3"}, true},
		{"errback fires stage 0 errback", true, []stage{{}, {}}, []string{"eb0", "cb1"}, true},
		{"failing errbacks", true, []stage{{ebFails: true}, {ebFails: true}}, []string{"eb0", "eb1"}, false},
		{"last callback fails", false, []stage{{}, {cbFails: true}}, []string{"cb0", "cb1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r record
			d := deferred.New[int](nil)
			for i, s := range tt.stages {
				d.AddCallbacks(
					func(v int) (int, error) {
						r.add(fmt.Sprint("cb", i))
						if s.cbFails {
							return 0, errBoom
						}
						return v, nil
					},
					func(err error) (int, error) {
						r.add(fmt.Sprint("eb", i))
						if s.ebFails {
							return 0, err
						}
						return 0, nil
					})
			}
			if tt.fail {
				d.Errback(errBoom)
			} else {
				d.Callback(1)
			}
			if got := r.get(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("path %v, want %v", got, tt.want)
			}
			if _, err, _ := d.Result(); (err == nil) != tt.ok {
				t.Errorf("final error %v, want success %v", err, tt.ok)
			}
			handle(d)
		})
	}
}

func TestAddBothSeesValueAndError(t *testing.T) {
	type seen struct {
		v   int
		err error
	}
	var got []seen
	both := func(v int, err error) (int, error) { got = append(got, seen{v, err}); return v, err }
	deferred.Succeed(3).AddBoth(both)
	handle(deferred.Fail[int](errBoom).AddBoth(both))
	want := []seen{{3, nil}, {0, errBoom}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("AddBoth saw %v, want %v", got, want)
	}
}

func TestAddMethodsReturnTheDeferredItself(t *testing.T) {
	d := deferred.New[int](nil)
	id := func(v int) (int, error) { return v, nil }
	eb := func(err error) (int, error) { return 0, err }
	for name, got := range map[string]*deferred.Deferred[int]{
		"AddCallbacks":         d.AddCallbacks(id, eb),
		"AddCallback":          d.AddCallback(id),
		"AddErrback":           d.AddErrback(eb),
		"AddBoth":              d.AddBoth(func(v int, err error) (int, error) { return v, err }),
		"AddDeferredCallback":  d.AddDeferredCallback(deferred.Succeed[int]),
		"AddDeferredCallbacks": d.AddDeferredCallbacks(deferred.Succeed[int], deferred.Fail[int]),
	} {
		if got != d {
			t.Errorf("%s returned another Deferred", name)
		}
	}
}

func TestCallbackAddedToFiredDeferredRunsAtOnce(t *testing.T) {
	d := deferred.New[int](nil)
	d.Callback(5)
	ran := false
	d.AddCallback(func(v int) (int, error) { ran = true; return v, nil })
	if !ran {
		t.Fatal("callback added to a fired Deferred did not run at once")
	}
}

// Twisted's test_reentrantRunCallbacks.
func TestCallbackAddingCallbackAppendsIt(t *testing.T) {
	var r record
	d := deferred.New[int](nil)
	d.AddCallback(func(v int) (int, error) {
		r.add("1")
		d.AddCallback(func(v int) (int, error) { r.add("3"); return v, nil })
		return v, nil
	})
	d.AddCallback(func(v int) (int, error) { r.add("2"); return v, nil })
	d.Callback(0)
	if got, want := r.get(), []string{"1", "2", "3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

// Twisted's test_nonReentrantCallbacks.
func TestCallbackAddedByCallbackWaitsForItToReturn(t *testing.T) {
	var r record
	d := deferred.New[int](nil)
	d.AddCallback(func(v int) (int, error) {
		r.add("1")
		d.AddCallback(func(v int) (int, error) { r.add("2"); return v, nil })
		if got := r.get(); !reflect.DeepEqual(got, []string{"1"}) {
			t.Errorf("the added callback ran inside the running one: %v", got)
		}
		return v, nil
	})
	d.Callback(0)
	if got, want := r.get(), []string{"1", "2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

// Twisted's test_reentrantRunCallbacksWithFailure.
func TestCallbackAddedByCallbackCanFail(t *testing.T) {
	d := deferred.New[int](nil)
	d.AddCallback(func(v int) (int, error) {
		d.AddCallback(func(int) (int, error) { return 0, errBoom })
		return v, nil
	})
	d.Callback(0)
	if err := mustFail(t, d); err != errBoom {
		t.Fatalf("failed with %v, want %v", err, errBoom)
	}
	handle(d)
}

func TestResultAndCalled(t *testing.T) {
	d := deferred.New[int](nil)
	if d.Called() {
		t.Error("a new Deferred is called")
	}
	mustPend(t, d)
	d.Callback(1)
	if !d.Called() {
		t.Error("a fired Deferred is not called")
	}
	if mustSucceed(t, d) != 1 {
		t.Error("Result is not the fired value")
	}
	if !deferred.Succeed(0).Called() || !deferred.Fail[int](errBoom).AddErrback(func(error) (int, error) { return 0, nil }).Called() {
		t.Error("Succeed/Fail are not called")
	}
}

// --- chaining: a callback that hands back a Deferred ---

// Twisted's test_callbackReturnsDeferred.
func TestChainedCallbackPausesUntilItsDeferredFires(t *testing.T) {
	d1 := deferred.New[int](nil)
	d2 := deferred.New[int](nil)
	var got []int
	d1.AddDeferredCallback(func(int) *deferred.Deferred[int] { return d2 })
	d1.AddCallback(func(v int) (int, error) { got = append(got, v); return v, nil })
	d1.Callback(1)
	if got != nil {
		t.Fatalf("callback after the chained one ran before its Deferred fired: %v", got)
	}
	if !d1.Called() {
		t.Error("a paused Deferred is not called")
	}
	mustPend(t, d1)
	d2.Callback(2)
	if !reflect.DeepEqual(got, []int{2}) {
		t.Fatalf("next callback got %v, want [2] from the chained Deferred", got)
	}
}

// Twisted's test_errbackReturnsDeferred.
func TestChainedErrbackPausesUntilItsDeferredFires(t *testing.T) {
	d := deferred.New[string](nil)
	d2 := deferred.New[string](nil)
	var got []string
	d.AddDeferredCallbacks(nil, func(error) *deferred.Deferred[string] { return d2 }).
		AddCallback(func(v string) (string, error) { got = append(got, v); return v, nil })
	d.Errback(errBoom)
	mustPend(t, d)
	if got != nil {
		t.Fatalf("ran early: %v", got)
	}
	d2.Callback("result")
	if !reflect.DeepEqual(got, []string{"result"}) {
		t.Fatalf("got %v, want [result]", got)
	}
}

func TestChainedNilCallbacksPassResultsOn(t *testing.T) {
	d := deferred.New[int](nil).AddDeferredCallbacks(nil, nil)
	d.Callback(4)
	if mustSucceed(t, d) != 4 {
		t.Fatal("a nil chained callback did not pass the value on")
	}
	e := deferred.New[int](nil).AddDeferredCallback(deferred.Succeed[int])
	e.Errback(errBoom)
	if mustFail(t, e) != errBoom {
		t.Fatal("a chained stage without errback did not pass the failure on")
	}
	handle(e)
}

// Twisted's test_synchronousImplicitChain, with the Go difference: the
// inner Deferred keeps its result (wrappers and chaining read, they do not
// consume), where Twisted leaves None behind.
func TestChainedFiredDeferredGivesItsResultAndKeepsIt(t *testing.T) {
	first := deferred.Succeed("result")
	second := deferred.New[string](nil)
	second.AddDeferredCallback(func(string) *deferred.Deferred[string] { return first })
	second.Callback("")
	if got := mustSucceed(t, second); got != "result" {
		t.Fatalf("outer got %q, want the inner result", got)
	}
	if got := mustSucceed(t, first); got != "result" {
		t.Fatalf("inner now holds %q, want its own result kept", got)
	}
}

// Twisted's test_asynchronousImplicitChain.
func TestChainedUnfiredDeferredGivesItsResultWhenItFires(t *testing.T) {
	first := deferred.New[string](nil)
	second := deferred.New[string](nil)
	second.AddDeferredCallback(func(string) *deferred.Deferred[string] { return first })
	second.Callback("")
	var firstGot, secondGot []string
	first.AddCallback(func(v string) (string, error) { firstGot = append(firstGot, v); return v, nil })
	second.AddCallback(func(v string) (string, error) { secondGot = append(secondGot, v); return v, nil })
	if firstGot != nil || secondGot != nil {
		t.Fatal("callbacks ran before the inner Deferred fired")
	}
	first.Callback("x")
	if !reflect.DeepEqual(firstGot, []string{"x"}) || !reflect.DeepEqual(secondGot, []string{"x"}) {
		t.Fatalf("first got %v, second got %v; want [x] both", firstGot, secondGot)
	}
}

// Twisted's test_synchronousImplicitErrorChain and test_chainedErrorCleanup:
// the inner failure is passed on, so it is handled on the inner Deferred.
func TestChainedFailureIsHandledOnTheInnerDeferred(t *testing.T) {
	reports := unhandledReports(t)
	errInner := errors.New("inner failure, passed on")
	func() {
		outer := deferred.New[int](nil)
		outer.AddDeferredCallback(func(int) *deferred.Deferred[int] { return deferred.Fail[int](errInner) })
		outer.Callback(0)
		if err := mustFail(t, outer); err != errInner {
			t.Fatalf("outer failed with %v, want the inner failure", err)
		}
		handle(outer)
	}()
	if n := countIs(reports(), errInner); n != 0 {
		t.Fatalf("the passed-on failure was reported %d times as unhandled", n)
	}
}

// Twisted's test_asynchronousImplicitErrorChain.
func TestChainedUnfiredDeferredFailureGoesToOuterErrback(t *testing.T) {
	first := deferred.New[int](nil)
	second := deferred.New[int](nil)
	second.AddDeferredCallback(func(int) *deferred.Deferred[int] { return first })
	second.Callback(0)
	var got error
	second.AddErrback(func(err error) (int, error) { got = err; return 0, nil })
	first.Errback(errBoom)
	if got != errBoom {
		t.Fatalf("outer errback got %v, want %v", got, errBoom)
	}
}

// Twisted's test_doubleAsynchronousImplicitChaining.
func TestChainingIsTransitive(t *testing.T) {
	first := deferred.New[string](nil)
	second := deferred.New[string](nil)
	second.AddDeferredCallback(func(string) *deferred.Deferred[string] { return first })
	third := deferred.New[string](nil)
	third.AddDeferredCallback(func(string) *deferred.Deferred[string] { return second })
	second.Callback("")
	third.Callback("")
	mustPend(t, third)
	first.Callback("result")
	if got := mustSucceed(t, third); got != "result" {
		t.Fatalf("third got %q, want result", got)
	}
}

// Twisted's test_nestedAsynchronousChainedDeferreds and
// test_innerCallbacksPreserved.
func TestNestedChainedDeferreds(t *testing.T) {
	var r record
	inner := deferred.New[string](nil)
	cb := func(v string) *deferred.Deferred[string] {
		r.add("start-of-cb:" + v)
		d := deferred.Succeed("inner")
		d.AddDeferredCallback(func(v string) *deferred.Deferred[string] {
			r.add("firstCallback:" + v)
			return inner
		}).AddCallback(func(v string) (string, error) {
			r.add("secondCallback:" + v)
			return v + v, nil
		})
		return d
	}
	outer := deferred.Succeed("outer").AddDeferredCallback(cb).AddCallback(appendTo[string](&r, "outer"))
	if got, want := r.get(), []string{"start-of-cb:outer", "firstCallback:inner"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("before inner fires: %v, want %v", got, want)
	}
	inner.Callback("orange")
	want := []string{"start-of-cb:outer", "firstCallback:inner", "secondCallback:orange", "outer:orangeorange"}
	if got := r.get(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	mustSucceed(t, outer)
}

// Twisted's test_nestedAsynchronousChainedDeferredsWithExtraCallbacks: a
// callback added to the inner Deferred before it is handed back transforms
// the result the outer chain gets.
func TestChainedDeferredWithItsOwnCallbacks(t *testing.T) {
	inner := deferred.New[string](nil)
	outer := deferred.Succeed("outer").AddDeferredCallback(func(string) *deferred.Deferred[string] {
		return inner.AddCallback(func(v string) (string, error) { return "[" + v + "]", nil })
	})
	inner.Callback("withers")
	if got := mustSucceed(t, outer); got != "[withers]" {
		t.Fatalf("outer got %q, want [withers]", got)
	}
}

// Twisted's test_callbackOrderPreserved and test_continueCallbackNotFirst.
func TestCallbackAfterChainedOneRunsAfterTheInnerChain(t *testing.T) {
	var r record
	a := deferred.New[string](nil)
	outer := deferred.New[string](nil)
	outer.AddDeferredCallback(func(v string) *deferred.Deferred[string] {
		r.add("cb:" + v)
		d := deferred.New[string](nil)
		d.AddDeferredCallback(func(string) *deferred.Deferred[string] {
			r.add("firstCallback")
			return deferred.Then(deferred.Gather([]*deferred.Deferred[string]{a}, false),
				func(vs []string) (string, error) { return strings.Join(vs, ","), nil })
		}).AddCallback(appendTo[string](&r, "secondCallback"))
		d.Callback("")
		return d
	})
	outer.AddCallback(appendTo[string](&r, "final"))
	outer.Callback("outer")
	if got, want := r.get(), []string{"cb:outer", "firstCallback"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	a.Callback("withers")
	want := []string{"cb:outer", "firstCallback", "secondCallback:withers", "final:withers"}
	if got := r.get(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// Twisted's test_resultOfDeferredResultOfDeferredOfFiredDeferredCalled.
func TestCallbacksAddedToAMiddleDeferredRunWhenTheLastFires(t *testing.T) {
	first, second, third := deferred.New[int](nil), deferred.New[int](nil), deferred.New[int](nil)
	first.AddDeferredCallback(func(int) *deferred.Deferred[int] { return second })
	second.AddDeferredCallback(func(int) *deferred.Deferred[int] { return third })
	second.Callback(0)
	first.Callback(0)
	third.Callback(3)
	var got []int
	second.AddCallback(func(v int) (int, error) { got = append(got, v); return v, nil })
	if !reflect.DeepEqual(got, []int{3}) {
		t.Fatalf("got %v, want [3]", got)
	}
	if mustSucceed(t, first) != 3 {
		t.Fatal("first did not get the result of third")
	}
}

func TestChainedCallbackHandingBackNilFails(t *testing.T) {
	d := deferred.Succeed(1).AddDeferredCallback(func(int) *deferred.Deferred[int] { return nil })
	if err := mustFail(t, d); !strings.Contains(err.Error(), "nil *Deferred") {
		t.Fatalf("failed with %v, want an error about the nil Deferred", err)
	}
	handle(d)
}

func TestChainedCallbackPanicBecomesPanicError(t *testing.T) {
	d := deferred.Succeed(1).AddDeferredCallback(func(int) *deferred.Deferred[int] { panic("chained") })
	var pe *deferred.PanicError
	if err := mustFail(t, d); !errors.As(err, &pe) || pe.Value != "chained" {
		t.Fatalf("failed with %v, want a *PanicError", err)
	}
	handle(d)
}

// Twisted's test_circularChainException: a callback handing back its own
// Deferred would make it wait on itself forever.
func TestChainedCallbackHandingBackItsOwnDeferredFails(t *testing.T) {
	d := deferred.New[int](nil)
	d.AddDeferredCallback(func(int) *deferred.Deferred[int] { return d })
	d.Callback(1)
	if err := mustFail(t, d); !strings.Contains(err.Error(), "Deferred it was added to") {
		t.Fatalf("failed with %v, want the circular-chain error", err)
	}
	d.Cancel() // must not recurse forever
	handle(d)
}

// --- Then and Chain: across types ---

func TestThenAppliesFAcrossTypes(t *testing.T) {
	d := deferred.New[int](nil)
	r := deferred.Then(d, func(v int) (string, error) { return fmt.Sprint("n=", v), nil })
	mustPend(t, r)
	d.Callback(4)
	if got := mustSucceed(t, r); got != "n=4" {
		t.Fatalf("got %q, want n=4", got)
	}
}

func TestThenPassesAFailureOnWithoutCallingF(t *testing.T) {
	r := deferred.Then(deferred.Fail[int](errBoom), func(int) (string, error) {
		t.Error("f called on a failure")
		return "", nil
	})
	if err := mustFail(t, r); err != errBoom {
		t.Fatalf("failed with %v, want %v", err, errBoom)
	}
	handle(r)
}

func TestThenErrorAndPanicFailTheResult(t *testing.T) {
	r := deferred.Then(deferred.Succeed(1), func(int) (string, error) { return "", errBoom })
	if err := mustFail(t, r); err != errBoom {
		t.Fatalf("failed with %v, want %v", err, errBoom)
	}
	handle(r)
	p := deferred.Then(deferred.Succeed(1), func(int) (string, error) { panic("then") })
	var pe *deferred.PanicError
	if err := mustFail(t, p); !errors.As(err, &pe) {
		t.Fatalf("failed with %v, want a *PanicError", err)
	}
	handle(p)
}

func TestChainWaitsForTheDeferredFHandsBack(t *testing.T) {
	d := deferred.New[int](nil)
	inner := deferred.New[string](nil)
	var gotArg int
	r := deferred.Chain(d, func(v int) *deferred.Deferred[string] { gotArg = v; return inner })
	d.Callback(8)
	if gotArg != 8 {
		t.Fatalf("f got %d, want 8", gotArg)
	}
	mustPend(t, r)
	inner.Callback("done")
	if got := mustSucceed(t, r); got != "done" {
		t.Fatalf("got %q, want done", got)
	}
}

func TestChainFailures(t *testing.T) {
	tests := []struct {
		name  string
		d     *deferred.Deferred[int]
		f     func(int) *deferred.Deferred[string]
		check func(error) bool
	}{
		{"source fails", deferred.Fail[int](errBoom),
			func(int) *deferred.Deferred[string] { t.Error("f called"); return nil },
			func(err error) bool { return err == errBoom }},
		{"inner fails", deferred.Succeed(1),
			func(int) *deferred.Deferred[string] { return deferred.Fail[string](errOther) },
			func(err error) bool { return err == errOther }},
		{"f hands back nil", deferred.Succeed(1),
			func(int) *deferred.Deferred[string] { return nil },
			func(err error) bool { return strings.Contains(err.Error(), "nil *Deferred") }},
		{"f panics", deferred.Succeed(1),
			func(int) *deferred.Deferred[string] { panic("chain") },
			func(err error) bool { var pe *deferred.PanicError; return errors.As(err, &pe) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := deferred.Chain(tt.d, tt.f)
			if err := mustFail(t, r); !tt.check(err) {
				t.Fatalf("failed with %v", err)
			}
			handle(r)
			handle(tt.d)
		})
	}
}

// --- stack depth ---

// stackDepth is the number of frames on the calling goroutine's stack (up
// to 1<<16, far more than any test here reaches when it works).
func stackDepth() int {
	return runtime.Callers(0, make([]uintptr, 1<<16))
}

// Twisted's test_boundedStackDepth: top waits on a chain of n Deferreds,
// each waiting on the next, the last on one that fires last. When it fires,
// the result travels up the chain to top's callback, which must run at the
// same stack depth whatever n: the chain is walked by a loop, not by nested
// calls. Each case builds the chain with one of the ways to wait on a
// Deferred, fires everything but the last, and returns top and the last.
func TestChainedDeferredsResumeAtOneStackDepth(t *testing.T) {
	builders := []struct {
		name  string
		build func(n int) (top, last *deferred.Deferred[int])
	}{
		{"AddDeferredCallback", func(n int) (top, last *deferred.Deferred[int]) {
			top, last = deferred.New[int](nil), deferred.New[int](nil)
			inners := make([]*deferred.Deferred[int], n)
			for i := range inners {
				inners[i] = deferred.New[int](nil)
			}
			top.AddDeferredCallback(func(int) *deferred.Deferred[int] { return inners[n-1] })
			for i := n - 1; i > 0; i-- {
				next := inners[i-1]
				inners[i].AddDeferredCallback(func(int) *deferred.Deferred[int] { return next })
			}
			inners[0].AddDeferredCallback(func(int) *deferred.Deferred[int] { return last })
			top.Callback(0)
			for _, d := range inners {
				d.Callback(0)
			}
			return top, last
		}},
		{"Chain", func(n int) (top, last *deferred.Deferred[int]) {
			last = deferred.New[int](nil)
			top = last
			for range n + 1 {
				next := top
				top = deferred.Chain(deferred.Succeed(0), func(int) *deferred.Deferred[int] { return next })
			}
			return top, last
		}},
		{"StopCancellation", func(n int) (top, last *deferred.Deferred[int]) {
			last = deferred.New[int](nil)
			top = last
			for range n + 1 {
				top = deferred.StopCancellation(top)
			}
			return top, last
		}},
	}
	for _, b := range builders {
		t.Run(b.name, func(t *testing.T) {
			depthAt := func(n int) int {
				top, last := b.build(n)
				depth := 0
				top.AddCallback(func(v int) (int, error) { depth = stackDepth(); return v, nil })
				if depth != 0 {
					t.Fatalf("n=%d: top's callback ran before the last Deferred fired", n)
				}
				last.Callback(7)
				if got := mustSucceed(t, top); got != 7 {
					t.Fatalf("n=%d: top got %d, want the last one's 7", n, got)
				}
				return depth
			}
			one := depthAt(1)
			for _, n := range []int{2, 10, 10000} {
				if d := depthAt(n); d != one {
					t.Errorf("top's callback ran at a stack depth of %d frames for a chain of %d, %d for a chain of 1", d, n, one)
				}
			}
		})
	}
}
