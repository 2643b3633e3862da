package deferred_test

// Lock and WithLock: Twisted's OtherPrimitivesTests.testLock,
// test_cancelLockAfterAcquired, test_cancelLockBeforeAcquired and
// test_asyncWithLock*, plus concurrent use.

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Twisted's testLock.
func TestLockHandsItselfToWaitersInFIFOOrder(t *testing.T) {
	l := deferred.NewLock()
	var r record
	acquire := func(name string) *deferred.Deferred[*deferred.Lock] {
		return l.Acquire().AddCallback(func(l *deferred.Lock) (*deferred.Lock, error) { r.add(name); return l, nil })
	}
	first := acquire("first")
	if !l.Locked() || mustSucceed(t, first) != l {
		t.Fatal("a free lock was not acquired at once")
	}
	second, third := acquire("second"), acquire("third")
	mustPend(t, second)
	l.Release()
	if got := r.get(); !reflect.DeepEqual(got, []string{"first", "second"}) {
		t.Fatalf("got %v after one Release", got)
	}
	mustPend(t, third)
	l.Release()
	l.Release()
	if got := r.get(); !reflect.DeepEqual(got, []string{"first", "second", "third"}) {
		t.Fatalf("got %v", got)
	}
	if l.Locked() {
		t.Fatal("the lock is held after the last Release")
	}
}

func TestZeroLockIsUnlockedAndUsable(t *testing.T) {
	var l deferred.Lock
	if l.Locked() {
		t.Fatal("the zero Lock is locked")
	}
	mustSucceed(t, l.Acquire())
	l.Release()
}

// Twisted's test_cancelLockBeforeAcquired: a cancelled waiter leaves the
// queue; the lock goes to the next one.
func TestCancelWaitingAcquireRemovesItFromTheQueue(t *testing.T) {
	l := deferred.NewLock()
	l.Acquire()
	a, b, c := l.Acquire(), l.Acquire(), l.Acquire()
	b.CancelWithReason("gave up")
	if ce := mustBeCancelled(t, b); ce.Reason != "gave up" {
		t.Fatalf("reason %q", ce.Reason)
	}
	l.Release()
	mustSucceed(t, a)
	mustPend(t, c)
	l.Release()
	mustSucceed(t, c) // b was skipped
	l.Release()
	if l.Locked() {
		t.Fatal("lock still held")
	}
	handle(b)
}

// Twisted's test_cancelLockAfterAcquired.
func TestCancelAcquiredLockDoesNothing(t *testing.T) {
	l := deferred.NewLock()
	d := l.Acquire()
	d.AddErrback(func(err error) (*deferred.Lock, error) { t.Errorf("errback ran: %v", err); return nil, err })
	d.Cancel()
	if !l.Locked() || mustSucceed(t, d) != l {
		t.Fatal("cancelling an acquired lock changed something")
	}
}

func TestReleaseOfUnlockedLockPanics(t *testing.T) {
	l := deferred.NewLock()
	if p := panicValue(l.Release); p == nil {
		t.Fatal("Release of an unlocked Lock did not panic")
	}
	l.Acquire()
	l.Release()
	if p := panicValue(l.Release); p == nil {
		t.Fatal("a second Release did not panic")
	}
}

// A cancel racing with the hand-over never loses the lock: either the
// waiter gets the lock (and must release it) or it is cancelled and the
// lock goes on. Many goroutines acquire, cancel and release at once; at
// the end every Acquire has fired, nobody held the lock together, and the
// lock is free.
func TestCancelRacingWithHandOverNeverLosesTheLock(t *testing.T) {
	l := deferred.NewLock()
	var holders, maxHolders, got, cancelled atomic.Int32
	const n = 400
	var wg sync.WaitGroup
	done := make(chan struct{}, n)
	for i := range n {
		wg.Go(func() {
			d := l.Acquire()
			if i%2 == 0 {
				wg.Go(d.Cancel)
			}
			d.AddBoth(func(l *deferred.Lock, err error) (*deferred.Lock, error) {
				defer func() { done <- struct{}{} }()
				if err != nil {
					cancelled.Add(1)
					return nil, nil
				}
				got.Add(1)
				h := holders.Add(1)
				for {
					m := maxHolders.Load()
					if h <= m || maxHolders.CompareAndSwap(m, h) {
						break
					}
				}
				holders.Add(-1)
				l.Release()
				return l, nil
			})
		})
	}
	wg.Wait()
	for range n {
		<-done
	}
	if maxHolders.Load() != 1 {
		t.Fatalf("%d holders at once", maxHolders.Load())
	}
	if l.Locked() {
		t.Fatal("the lock is lost: held after every holder released it")
	}
	if got.Load()+cancelled.Load() != n || got.Load() < n/2 {
		t.Fatalf("%d acquired, %d cancelled, of %d", got.Load(), cancelled.Load(), n)
	}
}

// --- WithLock (Twisted's DeferredLock.run) ---

func TestWithLockRunsFHoldingTheLockAndReleasesIt(t *testing.T) {
	l := deferred.NewLock()
	work := deferred.New[string](nil)
	r := deferred.WithLock(l, func() *deferred.Deferred[string] {
		if !l.Locked() {
			t.Error("f runs without the lock")
		}
		return work
	})
	waiter := l.Acquire()
	mustPend(t, waiter)
	work.Callback("result")
	if got := mustSucceed(t, r); got != "result" {
		t.Fatalf("got %q", got)
	}
	mustSucceed(t, waiter) // released to the next waiter
	l.Release()
	if l.Locked() {
		t.Fatal("lock held")
	}
}

func TestWithLockReleasesOnFailurePanicAndNil(t *testing.T) {
	tests := []struct {
		name  string
		f     func() *deferred.Deferred[int]
		check func(error) bool
	}{
		{"failure", func() *deferred.Deferred[int] { return deferred.Fail[int](errBoom) },
			func(err error) bool { return err == errBoom }},
		{"panic", func() *deferred.Deferred[int] { panic("in f") },
			func(err error) bool { var pe *deferred.PanicError; return errors.As(err, &pe) }},
		{"nil Deferred", func() *deferred.Deferred[int] { return nil },
			func(err error) bool { return strings.Contains(err.Error(), "nil *Deferred") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := deferred.NewLock()
			r := deferred.WithLock(l, tt.f)
			if err := mustFail(t, r); !tt.check(err) {
				t.Fatalf("failed with %v", err)
			}
			if l.Locked() {
				t.Fatal("the lock was not released")
			}
			handle(r)
		})
	}
}

func TestCancelWithLockWhileWaitingForTheLock(t *testing.T) {
	l := deferred.NewLock()
	l.Acquire()
	r := deferred.WithLock(l, func() *deferred.Deferred[int] { t.Error("f ran"); return deferred.Succeed(0) })
	r.Cancel()
	mustBeCancelled(t, r)
	l.Release()
	if l.Locked() {
		t.Fatal("the cancelled waiter kept the lock")
	}
	handle(r)
}

func TestCancelWithLockWhileFRuns(t *testing.T) {
	l := deferred.NewLock()
	work := deferred.New[int](nil)
	r := deferred.WithLock(l, func() *deferred.Deferred[int] { return work })
	r.CancelWithReason("stop")
	if ce := mustBeCancelled(t, work); ce.Reason != "stop" {
		t.Fatalf("work cancelled with %q", ce.Reason)
	}
	mustBeCancelled(t, r)
	if l.Locked() {
		t.Fatal("the lock was not released")
	}
	handle(r)
}

// Twisted's test_asyncWithLock: an async function holding the lock across
// Awaits.
func TestLockAcrossAwaits(t *testing.T) {
	l := deferred.NewLock()
	var r record
	gates := []*deferred.Deferred[int]{deferred.New[int](nil), deferred.New[int](nil)}
	for i, g := range gates {
		deferred.Run(func(t *deferred.Task) (int, error) {
			if _, err := deferred.Await(t, l.Acquire()); err != nil {
				return 0, err
			}
			defer l.Release()
			r.add(fmt.Sprint("enter ", i))
			deferred.Await(t, g)
			r.add(fmt.Sprint("leave ", i))
			return 0, nil
		})
	}
	gates[1].Callback(0) // the second waits for the lock: nothing happens
	gates[0].Callback(0)
	want := []string{"enter 0", "leave 0", "enter 1", "leave 1"}
	if got := r.get(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if l.Locked() {
		t.Fatal("lock held")
	}
}

// Waiters that release the lock in their callbacks are handed the lock one
// after the other by a loop: the stack does not grow with the queue.
func TestHandOversToWaitersThatReleaseDoNotNest(t *testing.T) {
	l := deferred.NewLock()
	l.Acquire()
	const n = 10000
	depths := make([]int, 0, n)
	pcs := make([]uintptr, 1024)
	for range n {
		l.Acquire().AddCallback(func(l *deferred.Lock) (*deferred.Lock, error) {
			depths = append(depths, runtime.Callers(0, pcs))
			l.Release()
			return l, nil
		})
	}
	l.Release()
	if len(depths) != n {
		t.Fatalf("%d waiters served, want %d", len(depths), n)
	}
	if lo, hi := slices.Min(depths), slices.Max(depths); hi != lo {
		t.Fatalf("stack depth grew from %d to %d frames along the queue", lo, hi)
	}
	if l.Locked() {
		t.Fatal("lock held")
	}
}

func TestReleaseTwiceInACallbackPanics(t *testing.T) {
	l := deferred.NewLock()
	l.Acquire()
	var second any
	l.Acquire().AddCallback(func(l *deferred.Lock) (*deferred.Lock, error) {
		l.Release()
		second = panicValue(l.Release)
		return l, nil
	})
	l.Release()
	if second == nil {
		t.Fatal("a second Release by the same holder did not panic")
	}
	if l.Locked() {
		t.Fatal("lock held")
	}
}

// An Acquire made by a callback that has just released the lock queues
// behind the waiters, and is served as soon as that callback returns.
func TestAcquireInsideAReleasingCallbackIsServedInOrder(t *testing.T) {
	l := deferred.NewLock()
	l.Acquire()
	var r record
	var again *deferred.Deferred[*deferred.Lock]
	l.Acquire().AddCallback(func(l *deferred.Lock) (*deferred.Lock, error) {
		r.add("first")
		l.Release()
		again = l.Acquire().AddCallback(func(l *deferred.Lock) (*deferred.Lock, error) { r.add("again"); return l, nil })
		return l, nil
	})
	l.Acquire().AddCallback(func(l *deferred.Lock) (*deferred.Lock, error) { r.add("second"); l.Release(); return l, nil })
	l.Release()
	if got, want := r.get(), []string{"first", "second", "again"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	mustSucceed(t, again)
	l.Release()
}
