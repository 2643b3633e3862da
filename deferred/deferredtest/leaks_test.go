package deferredtest_test

import (
	"strings"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
)

func TestNoLeaksReportsASuspendedTask(t *testing.T) {
	r := &recorder{TB: t}
	deferredtest.NoLeaks(r)
	never := deferred.New[int](nil)
	d := deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, never) })
	r.runCleanups()
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "1 goroutine(s) left behind") {
		t.Errorf("NoLeaks reported %q, want one goroutine left", r.errors)
	}
	never.Callback(1)
	if v, err, ok := d.Result(); !ok || err != nil || v != 1 {
		t.Fatalf("task result %v, %v, %v", v, err, ok)
	}
}

func TestNoLeaksIgnoresFinishedTasksAndIdleCoroutines(t *testing.T) {
	r := &recorder{TB: t}
	deferredtest.NoLeaks(r)
	for range 10 {
		d := deferred.New[int](nil)
		deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, d) })
		d.Callback(1) // the task ends; its coroutine waits idle for reuse
	}
	r.runCleanups()
	if len(r.errors) != 0 {
		t.Errorf("NoLeaks reported %q for tasks that ended", r.errors)
	}
}
