package deferred

import (
	"errors"
	"runtime"
	"sync/atomic"
)

// An AwaitPoint describes an Await that is about to wait, for the hook that
// SetAwaitHook installs.
type AwaitPoint struct {
	Task *Task
	// Fired reports whether the awaited Deferred has a result already, so
	// that the Await would not suspend.
	Fired bool
	// Callers holds the program counters of the Await's callers, innermost
	// first, as runtime.Callers returns them: the first is the call of Await.
	Callers []uintptr
}

// Frames returns the stack of the Await point, from the call of Await out.
func (p AwaitPoint) Frames() *runtime.Frames { return runtime.CallersFrames(p.Callers) }

// An AwaitHook is called by every Await before it waits. If it returns a
// non-nil gate, the Await first waits for the gate: a gate that succeeds
// lets the Await go on as usual. A gate that fails (it is cancelled while
// the Task waits on it) stands for a cancel that reached the Await: if the
// awaited Deferred has not fired, the Await cancels it and returns what it
// ends with, as if the cancel had come while it waited on it (so a
// DelayCancellation still waits); if it has fired, the Await returns the
// gate's error, as an Await forced to block on a fired Deferred would. Test
// harnesses use gates to make every await point suspend, even on a Deferred
// that has fired, and cancel there.
type AwaitHook func(AwaitPoint) (gate *Deferred[struct{}])

var awaitHook atomic.Pointer[AwaitHook]

// SetAwaitHook installs h for every Await in the process and returns the
// previous hook (nil if none); nil removes it. It is meant for test
// harnesses such as deferredtest's, which must not run in parallel with
// each other.
func SetAwaitHook(h AwaitHook) (previous AwaitHook) {
	var p *AwaitHook
	if h != nil {
		p = &h
	}
	if old := awaitHook.Swap(p); old != nil {
		return *old
	}
	return nil
}

// gateAwait runs the await hook, if any, for an Await of d by t. It returns
// an error when the gate failed on a fired d; the Await must then return it.
func gateAwait[T any](t *Task, d *Deferred[T]) error {
	hp := awaitHook.Load()
	if hp == nil {
		return nil
	}
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs) // skip Callers, gateAwait, Await
	_, _, fired := d.Result()
	gate := (*hp)(AwaitPoint{Task: t, Fired: fired, Callers: pcs[:n]})
	if gate == nil {
		return nil
	}
	_, err := awaitOn(t, gate)
	if err == nil {
		return nil
	}
	if !d.Called() {
		reason := ""
		var ce *CancelledError
		if errors.As(err, &ce) {
			reason = ce.Reason
		}
		d.cancel(reason)
		return nil
	}
	d.observe(discard[T]{}) // the Await reads d's result no further
	return err
}
