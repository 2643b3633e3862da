package deferred_test

// Cancellation of a single Deferred and of chains: the canceller, the
// *CancelledError, the suppress-once rule and forwarding to what a Deferred
// waits on. These mirror DeferredCancellerTests in Twisted's test_defer.py;
// where Go differs (the suppress-once rule also applies with a canceller),
// the test says so.

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
)

// Twisted's test_noCanceller.
func TestCancelWithoutCancellerFailsWithCancelledError(t *testing.T) {
	d := deferred.New[int](nil)
	called := false
	var got error
	d.AddCallbacks(func(v int) (int, error) { called = true; return v, nil },
		func(err error) (int, error) { got = err; return 0, nil })
	d.Cancel()
	if called {
		t.Fatal("callback ran on a cancelled Deferred")
	}
	var ce *deferred.CancelledError
	if !errors.As(got, &ce) || !errors.Is(got, deferred.ErrCancelled) {
		t.Fatalf("errback got %v, want a *CancelledError", got)
	}
}

// Twisted's test_raisesAfterCancelAndCallback and
// test_raisesAfterCancelAndErrback: one late fire is swallowed, the next one
// panics.
func TestLateFireAfterCancelIsIgnoredOnce(t *testing.T) {
	for _, canceller := range []func(*deferred.Deferred[int]){nil, func(*deferred.Deferred[int]) {}} {
		for _, late := range []string{"Callback", "Errback"} {
			t.Run(fmt.Sprintf("canceller=%v/%s", canceller != nil, late), func(t *testing.T) {
				d := deferred.New(canceller)
				d.Cancel()
				fire := map[string]func(){
					"Callback": func() { d.Callback(1) },
					"Errback":  func() { d.Errback(errBoom) },
				}
				if p := panicValue(fire[late]); p != nil {
					t.Fatalf("the first late %s panicked: %v", late, p)
				}
				mustBeCancelled(t, d)
				for name, f := range fire {
					p := panicValue(f)
					if err, ok := p.(error); !ok || !errors.Is(err, deferred.ErrAlreadyCalled) {
						t.Errorf("second late %s panicked with %v, want ErrAlreadyCalled", name, p)
					}
				}
				handle(d)
			})
		}
	}
}

// The Go difference from Twisted's test_simpleCanceller: even a Deferred
// whose canceller fired it ignores one late fire, because the operation may
// finish on another goroutine after the canceller ran.
func TestLateFireIgnoredOnceEvenIfCancellerFired(t *testing.T) {
	d := deferred.New(func(d *deferred.Deferred[string]) { d.Callback("from canceller") })
	d.Cancel()
	if p := panicValue(func() { d.Callback("late") }); p != nil {
		t.Fatalf("late Callback panicked: %v", p)
	}
	if got := mustSucceed(t, d); got != "from canceller" {
		t.Fatalf("result %q, want the canceller's", got)
	}
	if p := panicValue(func() { d.Callback("later") }); p == nil {
		t.Fatal("a second late Callback did not panic")
	}
}

// Twisted's test_noCancellerMultipleCancelsAfterCancelAndCallback.
func TestCancelAfterCancelAndLateFireHasNoEffect(t *testing.T) {
	d := deferred.New[int](nil)
	d.Cancel()
	first := mustFail(t, d)
	d.Callback(1) // ignored
	d.Cancel()
	if got := mustFail(t, d); got != first {
		t.Fatalf("result changed to %v", got)
	}
	handle(d)
}

// Twisted's test_cancellerMultipleCancel and test_noCancellerMultipleCancel.
func TestCancelTwiceCallsCancellerOnce(t *testing.T) {
	calls := 0
	d := deferred.New(func(*deferred.Deferred[int]) { calls++ })
	var errs []error
	d.AddErrback(func(err error) (int, error) { errs = append(errs, err); return 0, err })
	d.Cancel()
	d.Cancel()
	if calls != 1 {
		t.Fatalf("canceller called %d times, want 1", calls)
	}
	if len(errs) != 1 {
		t.Fatalf("errback ran %d times, want 1", len(errs))
	}
	handle(d)
}

// Twisted's test_cancellerArg.
func TestCancellerGetsTheDeferred(t *testing.T) {
	var got *deferred.Deferred[int]
	d := deferred.New(func(d *deferred.Deferred[int]) { got = d })
	d.Cancel()
	if got != d {
		t.Fatal("canceller did not get the cancelled Deferred")
	}
	handle(d)
}

// Twisted's test_cancelAfterCallback and test_cancelAfterErrback.
func TestCancelAfterFireDoesNothing(t *testing.T) {
	for _, fire := range []func(*deferred.Deferred[int]){
		func(d *deferred.Deferred[int]) { d.Callback(1) },
		func(d *deferred.Deferred[int]) { d.Errback(errBoom) },
	} {
		calls := 0
		d := deferred.New(func(d *deferred.Deferred[int]) { calls++; d.Errback(errOther) })
		fire(d)
		_, before, _ := d.Result()
		d.Cancel()
		_, after, _ := d.Result()
		if calls != 0 || before != after {
			t.Fatalf("Cancel on a fired Deferred: canceller called %d times, result %v -> %v", calls, before, after)
		}
		if p := panicValue(func() { d.Callback(2) }); p == nil {
			t.Fatal("Cancel on a fired Deferred armed the suppress-once rule")
		}
		handle(d)
	}
}

// Twisted's test_cancellerThatErrbacks and test_cancellerThatCallbacks.
func TestCancellerThatFiresDecidesTheResult(t *testing.T) {
	e := deferred.New(func(d *deferred.Deferred[string]) { d.Errback(errBoom) })
	e.Cancel()
	if err := mustFail(t, e); err != errBoom {
		t.Fatalf("failed with %v, want the canceller's error", err)
	}
	handle(e)
	c := deferred.New(func(d *deferred.Deferred[string]) { d.Callback("hello!") })
	c.Cancel()
	if got := mustSucceed(t, c); got != "hello!" {
		t.Fatalf("got %q, want the canceller's value", got)
	}
}

func TestCancelWithReasonIsCarriedInTheError(t *testing.T) {
	d := deferred.New[int](nil)
	d.CancelWithReason("client disconnected")
	ce := mustBeCancelled(t, d)
	if ce.Reason != "client disconnected" {
		t.Fatalf("Reason %q, want the one given", ce.Reason)
	}
	if got, want := ce.Error(), "deferred: cancelled: client disconnected"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	handle(d)
}

// A canceller that panics is a bug to report, but the cancellation still
// travels up as one: the Deferred fails with a *CancelledError whose Cause
// is the *PanicError.
func TestCancellerPanicFailsWithCancelledErrorCausedByIt(t *testing.T) {
	d := deferred.New(func(*deferred.Deferred[int]) { panic("canceller broke") })
	d.CancelWithReason("why")
	ce := mustBeCancelled(t, d)
	var pe *deferred.PanicError
	if !errors.As(ce, &pe) || pe.Value != "canceller broke" {
		t.Fatalf("Cause %v, want the canceller's *PanicError", ce.Cause)
	}
	if !errors.Is(ce, deferred.ErrCancelled) || ce.Reason != "why" {
		t.Fatalf("%v is not the cancellation it should be", ce)
	}
	if !strings.Contains(ce.Error(), "canceller broke") {
		t.Errorf("Error() = %q does not mention the panic", ce.Error())
	}
	handle(d)
}

func TestCancellerPanicAfterFiringIsReported(t *testing.T) {
	errMark := errors.New("canceller panicked after firing")
	var mu sync.Mutex
	var got []deferred.UnhandledError
	prev := deferred.SetUnhandledHook(func(u deferred.UnhandledError) {
		if errors.Is(u.Err, errMark) {
			mu.Lock()
			got = append(got, u)
			mu.Unlock()
		}
	})
	defer deferred.SetUnhandledHook(prev)
	d := deferred.New(func(d *deferred.Deferred[int]) {
		d.Callback(1)
		panic(errMark)
	})
	d.Cancel()
	if mustSucceed(t, d) != 1 {
		t.Fatal("the canceller's value is lost")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Type != "canceller of *deferred.Deferred[int]" {
		t.Fatalf("reports %v, want the panic once, from the canceller", got)
	}
}

func TestCancelFromItsOwnCancellerDoesNotRecurse(t *testing.T) {
	calls := 0
	var d *deferred.Deferred[int]
	d = deferred.New(func(*deferred.Deferred[int]) { calls++; d.Cancel() })
	d.Cancel()
	if calls != 1 {
		t.Fatalf("canceller called %d times, want 1", calls)
	}
	mustBeCancelled(t, d)
	handle(d)
}

func TestConcurrentCancelsCallCancellerOnce(t *testing.T) {
	for range 50 {
		var calls atomic.Int32
		d := deferred.New(func(*deferred.Deferred[int]) { calls.Add(1) })
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(d.Cancel)
		}
		wg.Wait()
		if n := calls.Load(); n != 1 {
			t.Fatalf("canceller called %d times, want 1", n)
		}
		mustBeCancelled(t, d)
		handle(d)
	}
}

// Twisted's test_cancelNestedDeferred: a Deferred paused on another one
// forwards the cancel to it, and the *CancelledError comes back into its
// own chain; its own canceller is not called.
func TestCancelPausedDeferredCancelsWhatItWaitsOn(t *testing.T) {
	innerCalls := 0
	b := deferred.New(func(*deferred.Deferred[int]) { innerCalls++ })
	a := deferred.New(func(*deferred.Deferred[int]) { t.Error("the paused Deferred's own canceller ran") })
	a.Callback(0)
	a.AddDeferredCallback(func(int) *deferred.Deferred[int] { return b })
	a.CancelWithReason("stop")
	var got error
	a.AddErrback(func(err error) (int, error) { got = err; return 0, nil })
	if innerCalls != 1 {
		t.Fatalf("inner canceller called %d times, want 1", innerCalls)
	}
	var ce *deferred.CancelledError
	if !errors.As(got, &ce) || ce.Reason != "stop" {
		t.Fatalf("outer errback got %v, want the inner *CancelledError with the reason", got)
	}
	mustBeCancelled(t, b)
}

func TestCancelForwardedThroughChainedDeferredsReachesTheLast(t *testing.T) {
	last := deferred.New[int](nil)
	middle := deferred.Succeed(0).AddDeferredCallback(func(int) *deferred.Deferred[int] { return last })
	top := deferred.Succeed(0).AddDeferredCallback(func(int) *deferred.Deferred[int] { return middle })
	top.Cancel()
	mustBeCancelled(t, last)
	mustBeCancelled(t, top)
	handle(top)
}

func TestCancelAfterPauseEndsDoesNothing(t *testing.T) {
	inner := deferred.New[int](nil)
	outer := deferred.Succeed(0).AddDeferredCallback(func(int) *deferred.Deferred[int] { return inner })
	inner.Callback(5)
	outer.Cancel()
	if mustSucceed(t, outer) != 5 || mustSucceed(t, inner) != 5 {
		t.Fatal("a cancel after the chain finished changed a result")
	}
}

func TestCancelledErrorIsErrCancelledThroughWrapping(t *testing.T) {
	var err error = &deferred.CancelledError{Reason: "r"}
	for name, e := range map[string]error{
		"plain":      err,
		"%w":         fmt.Errorf("loading: %w", err),
		"Join":       errors.Join(errBoom, err),
		"FirstError": &deferred.FirstError{Index: 2, Err: err},
	} {
		if !errors.Is(e, deferred.ErrCancelled) {
			t.Errorf("%s: errors.Is(%v, ErrCancelled) = false", name, e)
		}
	}
	if errors.Is(fmt.Errorf("loading: %v", err), deferred.ErrCancelled) {
		t.Errorf("wrapping with %%v kept the cancellation: the test cannot tell")
	}
}

// --- cancelling the results of Then and Chain ---

func TestCancelThenResultCancelsTheSource(t *testing.T) {
	calls := 0
	d := deferred.New(func(*deferred.Deferred[int]) { calls++ })
	r := deferred.Then(d, func(v int) (string, error) { return "", nil })
	r.CancelWithReason("then")
	if calls != 1 {
		t.Fatalf("source canceller called %d times, want 1", calls)
	}
	if ce := mustBeCancelled(t, r); ce.Reason != "then" {
		t.Fatalf("reason %q, want then", ce.Reason)
	}
	mustBeCancelled(t, d)
	handle(r)
}

func TestCancelThenResultWhoseSourceCancellerFiresWithValue(t *testing.T) {
	d := deferred.New(func(d *deferred.Deferred[int]) { d.Callback(2) })
	r := deferred.Then(d, func(v int) (int, error) { return v * 10, nil })
	r.Cancel()
	if got := mustSucceed(t, r); got != 20 {
		t.Fatalf("got %d, want f applied to the canceller's value", got)
	}
}

func TestCancelChainResultWhileWaitingOnTheSource(t *testing.T) {
	d := deferred.New[int](nil)
	r := deferred.Chain(d, func(int) *deferred.Deferred[string] {
		t.Error("f called after the source was cancelled")
		return nil
	})
	r.Cancel()
	mustBeCancelled(t, d)
	mustBeCancelled(t, r)
	handle(r)
}

func TestCancelChainResultWhileWaitingOnFsDeferred(t *testing.T) {
	inner := deferred.New[string](nil)
	d := deferred.New(func(*deferred.Deferred[int]) { t.Error("the fired source was cancelled") })
	r := deferred.Chain(d, func(int) *deferred.Deferred[string] { return inner })
	d.Callback(1)
	r.CancelWithReason("inner")
	if ce := mustBeCancelled(t, inner); ce.Reason != "inner" {
		t.Fatalf("inner cancelled with %q", ce.Reason)
	}
	mustBeCancelled(t, r)
	handle(r)
}

// A cancel that arrives while f runs is delivered to the Deferred f hands
// back.
func TestCancelChainResultWhileFRuns(t *testing.T) {
	inner := deferred.New[string](nil)
	var r *deferred.Deferred[string]
	d := deferred.New[int](nil)
	r = deferred.Chain(d, func(int) *deferred.Deferred[string] {
		r.CancelWithReason("during f")
		mustPend(t, inner)
		return inner
	})
	d.Callback(1)
	if ce := mustBeCancelled(t, inner); ce.Reason != "during f" {
		t.Fatalf("inner cancelled with %q, want the pending reason", ce.Reason)
	}
	mustBeCancelled(t, r)
	handle(r)
}

// --- a fired Deferred lets go of its canceller ---

// payload stands for what a canceller captures: request state, a
// connection, a buffer. It is large, so that the allocator never packs it
// with other objects that could keep it alive.
type payload struct{ buf [4096]byte }

// mustBeCollected runs collections until the object wp points to has been
// freed, and fails the test if it never is.
func mustBeCollected(t *testing.T, wp weak.Pointer[payload], what string) {
	t.Helper()
	for range 20 {
		runtime.GC()
		if wp.Value() == nil {
			return
		}
		time.Sleep(time.Millisecond) // for the cleanups that release what they kept
	}
	t.Fatalf("%s: what the canceller captured is still reachable after the Deferred fired", what)
}

// Twisted drops a Deferred's canceller when it fires (_startRunCallbacks),
// so that a fired Deferred kept for long (a cached result, an observed
// value, a map entry) does not pin what the canceller captured. Every way
// a Deferred is fired or settled lets go of it; the Deferred itself stays
// reachable through the test.
func TestFiredDeferredLetsGoOfItsCanceller(t *testing.T) {
	tests := []struct {
		name           string
		cancellerFires bool
		fire           func(d *deferred.Deferred[int])
	}{
		{"Callback", false, func(d *deferred.Deferred[int]) { d.Callback(1) }},
		{"Errback", false, func(d *deferred.Deferred[int]) { d.Errback(errBoom) }},
		{"Cancel", false, func(d *deferred.Deferred[int]) { d.Cancel() }},
		{"Cancel, the canceller fires", true, func(d *deferred.Deferred[int]) { d.Cancel() }},
		{"Callback after Cancel", false, func(d *deferred.Deferred[int]) { d.Cancel(); d.Callback(1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, wp := newWithCanceller(tt.cancellerFires)
			handleAtEnd(t, d)
			tt.fire(d)
			if _, _, ok := d.Result(); !ok {
				t.Fatal("the Deferred has no result")
			}
			mustBeCollected(t, wp, tt.name)
			runtime.KeepAlive(d)
		})
	}
}

// newWithCanceller returns an unfired Deferred whose canceller captures a
// payload, and a weak pointer to the payload; with fires, the canceller
// fires the Deferred itself.
func newWithCanceller(fires bool) (*deferred.Deferred[int], weak.Pointer[payload]) {
	p := new(payload)
	d := deferred.New(func(d *deferred.Deferred[int]) {
		p.buf[0]++
		if fires {
			d.Callback(int(p.buf[0]))
		}
	})
	return d, weak.Make(p)
}

// The Deferreds the runtime makes and fires itself (resolve): an Observe
// fired by its source, a Get fired by a Put, a DeferLater fired by its
// timer. Kept after they fired, they must not keep alive, through their
// cancellers, what they were waiting on: the Observable, the Queue, the
// timer and its function.
func TestRuntimeFiredDeferredLetsGoOfItsCanceller(t *testing.T) {
	t.Run("Observe", func(t *testing.T) {
		src := deferred.New[int](nil)
		obs, wp := observeTied(src)
		src.Callback(1)
		mustSucceed(t, obs)
		mustBeCollected(t, wp, "Observe")
		runtime.KeepAlive(obs)
	})
	t.Run("Queue.Get", func(t *testing.T) {
		get, wp := getTied()
		mustSucceed(t, get)
		mustBeCollected(t, wp, "Queue.Get")
		runtime.KeepAlive(get)
	})
	t.Run("DeferLater", func(t *testing.T) {
		var c deferredtest.Clock
		d, wp := deferLaterTied(&c)
		c.Advance(time.Second)
		mustSucceed(t, d)
		mustBeCollected(t, wp, "DeferLater")
		runtime.KeepAlive(d)
	})
}

// tiedTo returns a weak pointer to a new payload that stays reachable as
// long as owner does.
func tiedTo[T any](owner *T) weak.Pointer[payload] {
	p := new(payload)
	runtime.AddCleanup(owner, func(*payload) {}, p)
	return weak.Make(p)
}

func observeTied(src *deferred.Deferred[int]) (*deferred.Deferred[int], weak.Pointer[payload]) {
	o := deferred.NewObservable(src, true)
	return o.Observe(), tiedTo(o)
}

func getTied() (*deferred.Deferred[int], weak.Pointer[payload]) {
	q := deferred.NewQueue[int](deferred.Unlimited, deferred.Unlimited)
	get := q.Get()
	if err := q.Put(1); err != nil {
		panic(err)
	}
	return get, tiedTo(q)
}

// deferLaterTied returns a DeferLater whose function captures a payload.
func deferLaterTied(c deferred.Clock) (*deferred.Deferred[int], weak.Pointer[payload]) {
	p := new(payload)
	return deferred.DeferLater(c, time.Second, func() (int, error) { return int(p.buf[0]), nil }), weak.Make(p)
}
