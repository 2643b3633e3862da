package deferred_test

// SetAwaitHook: the hook test harnesses use to see, gate and cancel every
// await point.

import (
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// setAwaitHook installs h for the duration of the test.
func setAwaitHook(t *testing.T, h deferred.AwaitHook) {
	t.Helper()
	prev := deferred.SetAwaitHook(h)
	t.Cleanup(func() { deferred.SetAwaitHook(prev) })
}

func TestAwaitHookSeesEveryAwaitWithFiredAndTask(t *testing.T) {
	var mu sync.Mutex
	var points []deferred.AwaitPoint
	setAwaitHook(t, func(p deferred.AwaitPoint) *deferred.Deferred[struct{}] {
		mu.Lock()
		points = append(points, p)
		mu.Unlock()
		return nil
	})
	gate := deferred.New[int](nil)
	var task *deferred.Task
	d := deferred.Run(func(t *deferred.Task) (int, error) {
		task = t
		deferred.Await(t, deferred.Succeed(1))
		return deferred.Await(t, gate)
	})
	gate.Callback(2)
	mustSucceed(t, d)
	mu.Lock()
	defer mu.Unlock()
	if len(points) != 2 {
		t.Fatalf("hook called %d times, want 2", len(points))
	}
	if !points[0].Fired || points[1].Fired {
		t.Errorf("Fired = %v, %v; want true, false", points[0].Fired, points[1].Fired)
	}
	if points[0].Task != task || points[1].Task != task {
		t.Error("the hook did not get the awaiting Task")
	}
}

// Callers points at the call of Await: its first frame is the function
// that awaits, at the line of the Await.
func TestAwaitHookCallersPointAtTheAwaitCallSite(t *testing.T) {
	var frame runtime.Frame
	setAwaitHook(t, func(p deferred.AwaitPoint) *deferred.Deferred[struct{}] {
		frame, _ = p.Frames().Next()
		return nil
	})
	_, _, line, _ := runtime.Caller(0)
	deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, deferred.Succeed(0)) })
	if !strings.Contains(frame.Function, "TestAwaitHookCallersPointAtTheAwaitCallSite") {
		t.Errorf("first frame is %s, want the awaiting function", frame.Function)
	}
	if !strings.HasSuffix(frame.File, "hook_test.go") || frame.Line != line+1 {
		t.Errorf("first frame at %s:%d, want hook_test.go:%d", frame.File, frame.Line, line+1)
	}
}

// A gate makes the Await suspend, even on a fired Deferred, until it fires.
func TestAwaitHookGateSuspendsTheAwait(t *testing.T) {
	var gates []*deferred.Deferred[struct{}]
	setAwaitHook(t, func(deferred.AwaitPoint) *deferred.Deferred[struct{}] {
		g := deferred.New[struct{}](nil)
		gates = append(gates, g)
		return g
	})
	d := deferred.Run(func(t *deferred.Task) (string, error) { return deferred.Await(t, deferred.Succeed("v")) })
	mustPend(t, d)
	if len(gates) != 1 {
		t.Fatalf("%d gates, want 1", len(gates))
	}
	gates[0].Callback(struct{}{})
	if got := mustSucceed(t, d); got != "v" {
		t.Fatalf("got %q", got)
	}
}

// Cancelling the task while it waits on a gate cancels the gate; the Await
// then cancels what it was to await, as if the cancel had come while it
// waited on it, and returns what that ends with.
func TestAwaitHookCancelAtTheGate(t *testing.T) {
	setAwaitHook(t, func(deferred.AwaitPoint) *deferred.Deferred[struct{}] { return deferred.New[struct{}](nil) })
	awaited := deferred.New[int](nil)
	d := deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, awaited) })
	d.CancelWithReason("at the gate")
	if ce := mustBeCancelled(t, d); ce.Reason != "at the gate" {
		t.Fatalf("reason %q", ce.Reason)
	}
	mustBeCancelled(t, awaited)
	handle(d)
}

func TestSetAwaitHookReturnsThePreviousOne(t *testing.T) {
	prev := deferred.SetAwaitHook(nil)
	defer deferred.SetAwaitHook(prev)
	called := false
	h := func(deferred.AwaitPoint) *deferred.Deferred[struct{}] { called = true; return nil }
	if deferred.SetAwaitHook(h) != nil {
		t.Fatal("SetAwaitHook with no hook installed returned one")
	}
	got := deferred.SetAwaitHook(nil)
	if got == nil {
		t.Fatal("SetAwaitHook did not return the installed hook")
	}
	if got(deferred.AwaitPoint{}); !called {
		t.Fatal("the returned hook is not the installed one")
	}
	called = false
	deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, deferred.Succeed(0)) })
	if called {
		t.Fatal("the hook still runs after SetAwaitHook(nil)")
	}
}

// A gate that fails in front of a fired Deferred makes the Await return the
// gate's error, as an Await forced to block there would.
func TestAwaitHookCancelAtTheGateOfAFiredDeferred(t *testing.T) {
	setAwaitHook(t, func(deferred.AwaitPoint) *deferred.Deferred[struct{}] { return deferred.New[struct{}](nil) })
	fired := deferred.Succeed(1)
	d := deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, fired) })
	d.CancelWithReason("forced")
	if ce := mustBeCancelled(t, d); ce.Reason != "forced" {
		t.Fatalf("reason %q", ce.Reason)
	}
	if mustSucceed(t, fired) != 1 {
		t.Fatal("the fired Deferred changed")
	}
	handle(d)
}

// With a DelayCancellation behind the gate, the cancel waits for the
// shielded work, as it would without the hook.
func TestAwaitHookCancelAtTheGateOfADelayCancellation(t *testing.T) {
	setAwaitHook(t, func(deferred.AwaitPoint) *deferred.Deferred[struct{}] { return deferred.New[struct{}](nil) })
	work := deferred.New[int](nil)
	d := deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, deferred.DelayCancellation(work)) })
	d.Cancel()
	mustPend(t, d)
	work.Callback(1)
	mustBeCancelled(t, d)
	handle(d)
}
