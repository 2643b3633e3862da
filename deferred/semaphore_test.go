package deferred_test

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

var errSemaphoreTest = errors.New("semaphore test failure")

func TestNewSemaphoreNeedsATokenOrMore(t *testing.T) {
	for _, n := range []int{0, -1} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, fmt.Sprintf("NewSemaphore(%d)", n)) {
					t.Errorf("NewSemaphore(%d) panicked with %q, want a message naming the call", n, msg)
				}
			}()
			deferred.NewSemaphore(n)
		}()
	}
	defer func() {
		if recover() == nil {
			t.Error("Acquire on a zero Semaphore did not panic")
		}
	}()
	new(deferred.Semaphore).Acquire()
}

func TestSemaphoreAcquireUpToTheLimit(t *testing.T) {
	s := deferred.NewSemaphore(3)
	if s.Limit() != 3 || s.Tokens() != 3 {
		t.Fatalf("Limit() = %d, Tokens() = %d, want 3 and 3", s.Limit(), s.Tokens())
	}
	for i := range 3 {
		if got := mustSucceed(t, s.Acquire()); got != s {
			t.Fatalf("Acquire %d fired with %p, want the semaphore", i, got)
		}
	}
	if s.Tokens() != 0 {
		t.Fatalf("Tokens() = %d after three Acquires, want 0", s.Tokens())
	}
	waiting := s.Acquire()
	mustPend(t, waiting)
	s.Release()
	mustSucceed(t, waiting)
	if s.Tokens() != 0 {
		t.Fatalf("Tokens() = %d after a hand-over, want 0", s.Tokens())
	}
	for range 3 {
		s.Release()
	}
	if s.Tokens() != 3 {
		t.Fatalf("Tokens() = %d after releasing all, want 3", s.Tokens())
	}
}

func TestSemaphoreWaitersInFIFOOrder(t *testing.T) {
	s := deferred.NewSemaphore(1)
	s.Acquire()
	var order []int
	for i := range 4 {
		s.Acquire().AddCallback(func(s *deferred.Semaphore) (*deferred.Semaphore, error) {
			order = append(order, i)
			return s, nil
		})
	}
	for range 4 {
		s.Release()
	}
	if want := []int{0, 1, 2, 3}; !reflect.DeepEqual(order, want) {
		t.Fatalf("waiters served in order %v, want %v", order, want)
	}
	if s.Tokens() != 0 {
		t.Fatalf("Tokens() = %d, want 0: the last waiter holds the token", s.Tokens())
	}
}

// A cancelled waiter leaves the queue: the token goes to the next one, or
// back to the semaphore (Twisted's test_cancelSemaphoreBeforeAcquired).
func TestSemaphoreCancelWhileWaiting(t *testing.T) {
	s := deferred.NewSemaphore(1)
	s.Acquire()
	first, second := s.Acquire(), s.Acquire()
	first.CancelWithReason("gave up")
	handleAtEnd(t, first)
	if ce := mustBeCancelled(t, first); ce.Reason != "gave up" {
		t.Fatalf("reason %q, want %q", ce.Reason, "gave up")
	}
	s.Release()
	mustSucceed(t, second)
	s.Release()
	if s.Tokens() != 1 {
		t.Fatalf("Tokens() = %d, want 1", s.Tokens())
	}
}

// Cancelling an Acquire that has fired does nothing: the caller holds the
// token (Twisted's test_cancelSemaphoreAfterAcquired).
func TestSemaphoreCancelAfterAcquired(t *testing.T) {
	s := deferred.NewSemaphore(1)
	d := s.Acquire()
	d.Cancel()
	mustSucceed(t, d)
	if s.Tokens() != 0 {
		t.Fatalf("Tokens() = %d, want 0", s.Tokens())
	}
}

func TestSemaphoreReleaseBeyondTheLimitPanics(t *testing.T) {
	s := deferred.NewSemaphore(2)
	s.Acquire()
	s.Release()
	defer func() {
		if msg, _ := recover().(string); !strings.Contains(msg, "Release") {
			t.Fatalf("panic %q, want one about Release", msg)
		}
	}()
	s.Release()
}

// An async function takes a token, and gives it back with defer; cancelled
// while it waits, it leaves the queue without one.
func TestSemaphoreInAnAsyncFunction(t *testing.T) {
	s := deferred.NewSemaphore(1)
	work := deferred.New[int](nil)
	task := func(task *deferred.Task) (int, error) {
		if _, err := deferred.Await(task, s.Acquire()); err != nil {
			return 0, err
		}
		defer s.Release()
		return deferred.Await(task, work)
	}
	holder := deferred.Run(task)
	waiter := deferred.Run(task)
	waiter.Cancel()
	handleAtEnd(t, waiter)
	mustBeCancelled(t, waiter)
	work.Callback(5)
	if got := mustSucceed(t, holder); got != 5 {
		t.Fatalf("holder got %d, want 5", got)
	}
	if s.Tokens() != 1 {
		t.Fatalf("Tokens() = %d, want 1: the token came back", s.Tokens())
	}
}

func TestWithSemaphore(t *testing.T) {
	tests := []struct {
		name  string
		f     func(work *deferred.Deferred[string]) *deferred.Deferred[string]
		then  func(r, work *deferred.Deferred[string])
		check func(t *testing.T, r *deferred.Deferred[string])
	}{
		{
			name: "success",
			f:    func(work *deferred.Deferred[string]) *deferred.Deferred[string] { return work },
			then: func(_, work *deferred.Deferred[string]) { work.Callback("done") },
			check: func(t *testing.T, r *deferred.Deferred[string]) {
				if got := mustSucceed(t, r); got != "done" {
					t.Fatalf("value %q, want %q", got, "done")
				}
			},
		},
		{
			name: "failure",
			f:    func(work *deferred.Deferred[string]) *deferred.Deferred[string] { return work },
			then: func(_, work *deferred.Deferred[string]) { work.Errback(errSemaphoreTest) },
			check: func(t *testing.T, r *deferred.Deferred[string]) {
				handleAtEnd(t, r)
				if err := mustFail(t, r); err != errSemaphoreTest {
					t.Fatalf("error %v, want %v", err, errSemaphoreTest)
				}
			},
		},
		{
			name: "panic",
			f:    func(*deferred.Deferred[string]) *deferred.Deferred[string] { panic("in f") },
			check: func(t *testing.T, r *deferred.Deferred[string]) {
				var pe *deferred.PanicError
				if err := mustFail(t, r); !errors.As(err, &pe) || pe.Value != "in f" {
					t.Fatalf("error %v, want the *PanicError", err)
				}
			},
		},
		{
			name: "nil Deferred",
			f:    func(*deferred.Deferred[string]) *deferred.Deferred[string] { return nil },
			check: func(t *testing.T, r *deferred.Deferred[string]) {
				mustFail(t, r)
			},
		},
		{
			name: "cancelled while f's Deferred runs",
			f:    func(work *deferred.Deferred[string]) *deferred.Deferred[string] { return work },
			then: func(r, _ *deferred.Deferred[string]) { r.Cancel() },
			check: func(t *testing.T, r *deferred.Deferred[string]) {
				mustBeCancelled(t, r)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := deferred.NewSemaphore(1)
			work := deferred.New[string](nil)
			r := deferred.WithSemaphore(s, func() *deferred.Deferred[string] {
				if s.Tokens() != 0 {
					t.Error("f runs without holding a token")
				}
				return tt.f(work)
			})
			if tt.then != nil {
				tt.then(r, work)
			}
			tt.check(t, r)
			if s.Tokens() != 1 {
				t.Fatalf("Tokens() = %d afterwards, want 1: the token was not released", s.Tokens())
			}
		})
	}
}

// Cancelled while waiting for a token, WithSemaphore never calls f and
// leaves the queue.
func TestWithSemaphoreCancelledWhileWaiting(t *testing.T) {
	s := deferred.NewSemaphore(1)
	s.Acquire()
	called := false
	r := deferred.WithSemaphore(s, func() *deferred.Deferred[int] { called = true; return deferred.Succeed(1) })
	r.Cancel()
	handleAtEnd(t, r)
	mustBeCancelled(t, r)
	s.Release()
	if called {
		t.Fatal("f was called after the wait was cancelled")
	}
	if s.Tokens() != 1 {
		t.Fatalf("Tokens() = %d, want 1", s.Tokens())
	}
}

// WithSemaphore bounds concurrency: with 2 tokens, never more than 2 of 5
// calls run at once, and each starts as soon as a token is free.
func TestWithSemaphoreBoundsConcurrency(t *testing.T) {
	s := deferred.NewSemaphore(2)
	works := make([]*deferred.Deferred[int], 5)
	running, most := 0, 0
	var results []*deferred.Deferred[int]
	for i := range works {
		works[i] = deferred.New[int](nil)
		results = append(results, deferred.WithSemaphore(s, func() *deferred.Deferred[int] {
			running++
			most = max(most, running)
			return deferred.Then(works[i], func(v int) (int, error) { running--; return v, nil })
		}))
	}
	if running != 2 {
		t.Fatalf("%d running at first, want 2", running)
	}
	for i, w := range works {
		w.Callback(i)
	}
	for i, r := range results {
		if got := mustSucceed(t, r); got != i {
			t.Fatalf("result %d = %d", i, got)
		}
	}
	if most != 2 || s.Tokens() != 2 {
		t.Fatalf("at most %d ran at once and %d tokens are free, want 2 and 2", most, s.Tokens())
	}
}

// Acquires, cancels and releases from many goroutines: whatever the
// interleaving of a cancel with a hand-over, no token is lost or doubled.
func TestSemaphoreCancelRacingWithHandOver(t *testing.T) {
	const limit, workers, rounds = 3, 16, 100
	s := deferred.NewSemaphore(limit)
	var mu sync.Mutex
	holding, most := 0, 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				d := s.Acquire()
				if (w+i)%2 == 0 {
					go d.Cancel()
				}
				held := make(chan bool, 1)
				d.AddBoth(func(s *deferred.Semaphore, err error) (*deferred.Semaphore, error) {
					held <- err == nil
					return s, nil
				})
				if <-held {
					mu.Lock()
					holding++
					most = max(most, holding)
					mu.Unlock()
					runtime.Gosched()
					mu.Lock()
					holding--
					mu.Unlock()
					s.Release()
				}
			}
		})
	}
	wg.Wait()
	if most > limit {
		t.Fatalf("%d held the semaphore at once, limit %d", most, limit)
	}
	if s.Tokens() != limit {
		t.Fatalf("Tokens() = %d at the end, want %d", s.Tokens(), limit)
	}
	// No waiter is left in the queue: limit Acquires fire at once.
	for range limit {
		mustSucceed(t, s.Acquire())
	}
}

// A cancel and a Release started at the same instant, many times over: the
// cancel sometimes lands after Release has taken the waiter from the queue
// and before it fires it; the token must then go back, not vanish.
func TestSemaphoreCancelAtTheHandOver(t *testing.T) {
	s := deferred.NewSemaphore(1)
	s.Acquire()
	for i := range 5000 {
		d := s.Acquire()
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() { <-start; d.Cancel() })
		wg.Go(func() { <-start; s.Release() })
		close(start)
		wg.Wait()
		_, err, ok := d.Result()
		switch {
		case !ok:
			t.Fatalf("round %d: the Acquire neither fired nor was cancelled", i)
		case err == nil && s.Tokens() != 0, err != nil && s.Tokens() != 1:
			t.Fatalf("round %d: Acquire ended with %v and %d tokens are free", i, err, s.Tokens())
		case err != nil:
			handle(d)
			mustSucceed(t, s.Acquire()) // hold the token again
		}
	}
}

// Waiters that release in their callbacks are handed tokens one after the
// other by a loop: the stack does not grow with the queue, whatever the
// number of tokens.
func TestSemaphoreHandOversToWaitersThatReleaseDoNotNest(t *testing.T) {
	for _, tokens := range []int{1, 3} {
		t.Run(fmt.Sprint(tokens, " tokens"), func(t *testing.T) {
			s := deferred.NewSemaphore(tokens)
			for range tokens {
				s.Acquire()
			}
			const n = 10000
			depths := make([]int, 0, n)
			pcs := make([]uintptr, 1024)
			for range n {
				s.Acquire().AddCallback(func(s *deferred.Semaphore) (*deferred.Semaphore, error) {
					depths = append(depths, runtime.Callers(0, pcs))
					s.Release()
					return s, nil
				})
			}
			for range tokens {
				s.Release()
			}
			if len(depths) != n {
				t.Fatalf("%d waiters served, want %d", len(depths), n)
			}
			if lo, hi := slices.Min(depths), slices.Max(depths); hi != lo {
				t.Fatalf("stack depth grew from %d to %d frames along the queue", lo, hi)
			}
			if s.Tokens() != tokens {
				t.Fatalf("Tokens() = %d, want %d", s.Tokens(), tokens)
			}
		})
	}
}

// A holder that releases twice in its callback releases more than it
// acquired: the second Release panics, as it does outside a hand-over.
func TestSemaphoreReleaseTwiceInACallbackPanics(t *testing.T) {
	s := deferred.NewSemaphore(1)
	s.Acquire()
	var second any
	s.Acquire().AddCallback(func(s *deferred.Semaphore) (*deferred.Semaphore, error) {
		s.Release()
		second = panicValue(s.Release)
		return s, nil
	})
	s.Release()
	if second == nil {
		t.Fatal("a second Release by the same holder did not panic")
	}
	if s.Tokens() != 1 {
		t.Fatalf("Tokens() = %d, want 1", s.Tokens())
	}
}

// An Acquire made by a callback that has just released queues behind the
// waiters, and is served as soon as that callback returns.
func TestSemaphoreAcquireInsideAReleasingCallbackIsServedInOrder(t *testing.T) {
	s := deferred.NewSemaphore(1)
	s.Acquire()
	var r record
	var again *deferred.Deferred[*deferred.Semaphore]
	s.Acquire().AddCallback(func(s *deferred.Semaphore) (*deferred.Semaphore, error) {
		r.add("first")
		s.Release()
		again = s.Acquire().AddCallback(func(s *deferred.Semaphore) (*deferred.Semaphore, error) {
			r.add("again")
			return s, nil
		})
		r.add("first returns")
		return s, nil
	})
	s.Acquire().AddCallback(func(s *deferred.Semaphore) (*deferred.Semaphore, error) {
		r.add("second")
		s.Release()
		return s, nil
	})
	s.Release()
	if got, want := r.get(), []string{"first", "first returns", "second", "again"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	mustSucceed(t, again)
	if s.Tokens() != 0 {
		t.Fatalf("Tokens() = %d, want 0: again holds the token", s.Tokens())
	}
}
