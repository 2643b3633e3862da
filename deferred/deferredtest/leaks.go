package deferredtest

import (
	"runtime"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// NoLeaks makes the test fail if, once its other cleanups have run, more
// goroutines are left than when NoLeaks was called: an async function
// suspended forever on a Deferred that never fires holds one, as does a
// timer or a server left running. Call it first in the test, so that its
// check runs after the test's own cleanups (they run last-in first-out).
// Idle coroutines that the runtime keeps for reuse are not counted.
// Goroutines take a moment to exit after their work is done, so it waits up
// to two seconds for them to settle; the failure lists every goroutine's
// stack.
func NoLeaks(tb testing.TB) {
	tb.Helper()
	deferred.StopIdleCoroutines()
	before := runtime.NumGoroutine()
	tb.Cleanup(func() {
		if left := goroutinesLeft(before); left > 0 {
			tb.Errorf("deferredtest: %d goroutine(s) left behind:\n%s", left, allStacks())
		}
	})
}

// goroutinesLeft waits a little for goroutines that are on their way out,
// and returns how many more there are than before.
func goroutinesLeft(before int) int {
	deadline := time.Now().Add(2 * time.Second)
	for {
		deferred.StopIdleCoroutines() // idle coroutines wait for reuse; they are not leaks
		left := runtime.NumGoroutine() - before
		if left <= 0 || time.Now().After(deadline) {
			return max(left, 0)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func allStacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
