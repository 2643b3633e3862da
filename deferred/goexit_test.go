package deferred_test

// runtime.Goexit (t.FailNow in a test, say) in a callback or an async
// function: the goroutine exits, no more of the chain runs on it, and the
// Deferreds it was running are left in a state the next goroutine can go
// on from, the stage that exited failed with ErrGoexit.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// onExitingGoroutine calls f on a goroutine of its own and returns once
// that goroutine has ended, whether f returned or the goroutine exited.
func onExitingGoroutine(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

// goexitFailure checks that err is the failure of a stage that exited.
func goexitFailure(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, deferred.ErrGoexit) {
		t.Fatalf("%s failed with %v, want ErrGoexit", what, err)
	}
}

// A stage whose function exits the goroutine fails with ErrGoexit, and
// the Deferred is not left running: its result can be read, and the stages
// after the one that exited run, in order, when a stage is next added.
func TestGoexitInAStage(t *testing.T) {
	tests := []struct {
		name string
		add  func(d *deferred.Deferred[int])
		fire func(d *deferred.Deferred[int])
	}{
		{"callback", func(d *deferred.Deferred[int]) {
			d.AddCallback(func(int) (int, error) { runtime.Goexit(); return 0, nil })
		}, func(d *deferred.Deferred[int]) { d.Callback(1) }},
		{"errback", func(d *deferred.Deferred[int]) {
			d.AddErrback(func(error) (int, error) { runtime.Goexit(); return 0, nil })
		}, func(d *deferred.Deferred[int]) { d.Errback(errBoom) }},
		{"AddBoth", func(d *deferred.Deferred[int]) {
			d.AddBoth(func(int, error) (int, error) { runtime.Goexit(); return 0, nil })
		}, func(d *deferred.Deferred[int]) { d.Callback(1) }},
		{"chained callback", func(d *deferred.Deferred[int]) {
			d.AddDeferredCallback(func(int) *deferred.Deferred[int] { runtime.Goexit(); return nil })
		}, func(d *deferred.Deferred[int]) { d.Callback(1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deferred.New[int](nil)
			tt.add(d)
			var r record
			d.AddBoth(func(v int, err error) (int, error) {
				r.add("next stage: " + err.Error())
				return v, err
			})
			onExitingGoroutine(func() { tt.fire(d) })
			goexitFailure(t, "d", mustFail(t, d))
			if got := r.get(); len(got) != 0 {
				t.Fatalf("later stages ran on the exiting goroutine: %v", got)
			}
			var last error
			d.AddErrback(func(err error) (int, error) { last = err; return 0, nil })
			want := []string{"next stage: " + deferred.ErrGoexit.Error()}
			if got := r.get(); !reflect.DeepEqual(got, want) || last != deferred.ErrGoexit {
				t.Fatalf("after an add: stages saw %v then %v, want %v then ErrGoexit", got, last, want)
			}
		})
	}
}

// Then's and Chain's functions are callbacks too: their result fails with
// ErrGoexit, and the source keeps its value.
func TestGoexitInThenAndChain(t *testing.T) {
	tests := []struct {
		name string
		wrap func(d *deferred.Deferred[int]) *deferred.Deferred[string]
	}{
		{"Then", func(d *deferred.Deferred[int]) *deferred.Deferred[string] {
			return deferred.Then(d, func(int) (string, error) { runtime.Goexit(); return "", nil })
		}},
		{"Chain", func(d *deferred.Deferred[int]) *deferred.Deferred[string] {
			return deferred.Chain(d, func(int) *deferred.Deferred[string] { runtime.Goexit(); return nil })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deferred.New[int](nil)
			r := tt.wrap(d)
			onExitingGoroutine(func() { d.Callback(1) })
			goexitFailure(t, "the result", mustFail(t, r))
			handle(r)
			if v := mustSucceed(t, d); v != 1 {
				t.Fatalf("the source holds %d, want 1", v)
			}
		})
	}
}

// A Deferred in the middle of a chain of waiting Deferreds exits in a
// callback while the chain resumes: it fails with ErrGoexit, the one that
// fired keeps its value, and the one waiting on the middle one goes on
// when the next goroutine adds a stage to the middle one.
func TestGoexitInAChainOfWaitingDeferreds(t *testing.T) {
	top, mid, last := deferred.New[int](nil), deferred.New[int](nil), deferred.New[int](nil)
	top.AddDeferredCallback(func(int) *deferred.Deferred[int] { return mid })
	mid.AddDeferredCallback(func(int) *deferred.Deferred[int] { return last })
	mid.AddCallback(func(int) (int, error) { runtime.Goexit(); return 0, nil })
	top.Callback(0)
	mid.Callback(0)
	onExitingGoroutine(func() { last.Callback(1) })
	if v := mustSucceed(t, last); v != 1 {
		t.Fatalf("last holds %d, want 1", v)
	}
	goexitFailure(t, "mid", mustFail(t, mid))
	mustPend(t, top)
	handle(mid)
	goexitFailure(t, "top", mustFail(t, top))
	handle(top)
}

// An async function that exits ends its Task: the Run Deferred fails with
// ErrGoexit, the goroutine that resumed it exits too (iter.Pull passes the
// Goexit on, so t.FailNow in an async function that the test's goroutine
// resumes ends the test), the Deferred it awaited keeps its result and is
// not left running, and the Task's context is done.
func TestGoexitInAnAsyncFunction(t *testing.T) {
	gate := deferred.New[int](nil)
	var task *deferred.Task
	d := deferred.RunContext(context.Background(), func(t *deferred.Task) (int, error) {
		task = t
		deferred.Await(t, gate)
		runtime.Goexit()
		return 1, nil
	})
	resumed := false
	onExitingGoroutine(func() {
		gate.Callback(7)
		resumed = true
	})
	if resumed {
		t.Fatal("the goroutine that resumed the function went on after it exited")
	}
	goexitFailure(t, "the Run Deferred", mustFail(t, d))
	if v := mustSucceed(t, gate); v != 7 {
		t.Fatalf("the awaited Deferred holds %d, want 7", v)
	}
	if cause := context.Cause(task.Context()); !errors.Is(cause, deferred.ErrGoexit) {
		t.Fatalf("the Task's context ended with %v, want ErrGoexit", cause)
	}
	d.Cancel() // the function has ended: nothing to cancel
	goexitFailure(t, "the Run Deferred", mustFail(t, d))
	handle(d)
	if p := panicValue(func() { deferred.Await(task, deferred.New[int](nil)) }); p == nil {
		t.Fatal("Await on the Task of a function that exited did not panic")
	}

	// The coroutines that run async functions are not disturbed.
	g := deferred.New[int](nil)
	e := deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, g) })
	g.Callback(2)
	if v := mustSucceed(t, e); v != 2 {
		t.Fatalf("a later async function returned %d, want 2", v)
	}
}

// An async function that exits before its first Await ends the goroutine
// that called Run.
func TestGoexitInAnAsyncFunctionBeforeItsFirstAwait(t *testing.T) {
	var task *deferred.Task
	returned := false
	onExitingGoroutine(func() {
		deferred.RunContext(context.Background(), func(t *deferred.Task) (int, error) {
			task = t
			runtime.Goexit()
			return 1, nil
		})
		returned = true
	})
	if returned {
		t.Fatal("Run returned after its function exited")
	}
	if cause := context.Cause(task.Context()); !errors.Is(cause, deferred.ErrGoexit) {
		t.Fatalf("the Task's context ended with %v, want ErrGoexit", cause)
	}
}

// A Lock waiter whose callback exits has taken the lock: the hand-over ends
// there, and the lock goes on working. If the waiter released the lock
// before it exited, the next waiter gets it, on another goroutine; if not,
// it holds the lock until a Release.
func TestGoexitInALockWaiter(t *testing.T) {
	for _, releases := range []bool{true, false} {
		t.Run(fmt.Sprint("releases first: ", releases), func(t *testing.T) {
			l := deferred.NewLock()
			l.Acquire()
			l.Acquire().AddCallback(func(l *deferred.Lock) (*deferred.Lock, error) {
				if releases {
					l.Release()
				}
				runtime.Goexit()
				return l, nil
			})
			next := l.Acquire()
			onExitingGoroutine(l.Release)
			if !releases {
				mustPend(t, next)
				l.Release() // for the waiter that exited
			}
			if _, err := waitResult(t, next); err != nil {
				t.Fatalf("the next waiter got %v, want the lock", err)
			}
			l.Release()
			if l.Locked() {
				t.Fatal("the lock is held after every holder released it")
			}
		})
	}
}

// The same for a Semaphore.
func TestGoexitInASemaphoreWaiter(t *testing.T) {
	for _, releases := range []bool{true, false} {
		t.Run(fmt.Sprint("releases first: ", releases), func(t *testing.T) {
			s := deferred.NewSemaphore(1)
			s.Acquire()
			s.Acquire().AddCallback(func(s *deferred.Semaphore) (*deferred.Semaphore, error) {
				if releases {
					s.Release()
				}
				runtime.Goexit()
				return s, nil
			})
			next := s.Acquire()
			onExitingGoroutine(s.Release)
			if !releases {
				mustPend(t, next)
				s.Release() // for the waiter that exited
			}
			if _, err := waitResult(t, next); err != nil {
				t.Fatalf("the next waiter got %v, want a token", err)
			}
			s.Release()
			if s.Tokens() != 1 {
				t.Fatalf("Tokens() = %d after every holder released, want 1", s.Tokens())
			}
		})
	}
}
