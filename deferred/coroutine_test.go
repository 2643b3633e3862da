package deferred_test

// The coroutines that run async functions are reused: a Run whose function
// has returned leaves its goroutine idle for the next Run, for a while.

import (
	"bytes"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// idleCoroutines counts the goroutines waiting, idle, for an async
// function to run.
func idleCoroutines() int {
	n := 0
	for _, stack := range goroutinesIn("deferred.(*coroutine).loop") {
		if !bytes.Contains([]byte(stack), []byte("(*running[")) {
			n++
		}
	}
	return n
}

// goroutineOf runs an async function that suspends once and returns the
// goroutine it ran on.
func goroutineOf(t *testing.T) uint64 {
	t.Helper()
	gate := deferred.New[int](nil)
	d := deferred.Run(func(*deferred.Task) (uint64, error) { return goroutineID(), nil })
	first := mustSucceed(t, d)
	e := deferred.Run(func(t *deferred.Task) (uint64, error) {
		deferred.Await(t, gate)
		return goroutineID(), nil
	})
	gate.Callback(0)
	if second := mustSucceed(t, e); second != first {
		t.Fatalf("two Runs in a row ran on goroutines %d and %d, want one reused", first, second)
	}
	return first
}

func TestRunReusesTheCoroutineOfAFinishedOne(t *testing.T) {
	deferred.StopIdleCoroutines()
	a := goroutineOf(t)
	if idleCoroutines() != 1 {
		t.Fatalf("%d idle coroutines after the Runs, want 1", idleCoroutines())
	}
	deferred.StopIdleCoroutines()
	if n := idleCoroutines(); n != 0 {
		t.Fatalf("%d idle coroutines after StopIdleCoroutines", n)
	}
	if b := goroutineOf(t); b == a {
		t.Fatal("a stopped coroutine was reused")
	}
	deferred.StopIdleCoroutines()
}

func TestACoroutineWhoseFunctionPanickedIsReused(t *testing.T) {
	deferred.StopIdleCoroutines()
	var first uint64
	d := deferred.Run(func(*deferred.Task) (int, error) { first = goroutineID(); panic("f") })
	handle(d)
	e := deferred.Run(func(*deferred.Task) (uint64, error) { return goroutineID(), nil })
	if got := mustSucceed(t, e); got != first {
		t.Fatalf("ran on goroutine %d after a panic on %d, want it reused", got, first)
	}
	deferred.StopIdleCoroutines()
}

func TestIdleCoroutinesEndByThemselves(t *testing.T) {
	deferred.StopIdleCoroutines()
	goroutineOf(t)
	deadline := time.Now().Add(5 * time.Second)
	for idleCoroutines() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("an idle coroutine is still there after 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestIdleCoroutinesAreBounded(t *testing.T) {
	deferred.StopIdleCoroutines()
	gate := deferred.New[int](nil)
	for range 200 {
		deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, gate) })
	}
	gate.Callback(0) // all 200 finish
	if n := idleCoroutines(); n == 0 || n > 64 {
		t.Fatalf("%d idle coroutines after 200 Runs finished, want between 1 and 64", n)
	}
	deferred.StopIdleCoroutines()
}
