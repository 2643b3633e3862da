package deferred

import (
	"context"
	"sync"
)

// Task is the handle of one running async function: the *Task that Run
// passes to f, and that f passes to Await. An async function calls another
// one directly, passing its own Task, the way a coroutine awaits another
// coroutine in Python; Run starts a new, concurrent one.
//
// A Task must only be used by the function it was given to, and by the
// functions that function calls on its own coroutine.
type Task struct {
	mu      sync.Mutex
	state   taskState
	waiting cancelTarget // what the suspended function awaits
	// ready is set when what Await waits on fires before the function has
	// finished suspending; the driver then resumes it at once.
	ready bool
	// cancelPending records a Cancel that arrived while the function was
	// running; its next Await returns the *CancelledError.
	cancelPending bool
	cancelReason  string

	// co runs the function; it is set from start until the function
	// returns.
	co *coroutine
	// owner runs the function on co, and fires the Run Deferred with its
	// result.
	owner job

	ctx context.Context
	// stopCtx cancels ctx (RunContext only): at the first Cancel, and when
	// the function returns.
	stopCtx context.CancelCauseFunc
	// awaits counts the Awaits that suspended, resumes the resumptions
	// from them; logcontext reports the one and watches the other.
	awaits  int
	resumes int
}

type taskState uint8

const (
	taskRunning   taskState = iota // the function runs (or is being resumed)
	taskSuspended                  // the function waits in Await
	taskDone                       // the function has returned
)

// Run calls f at once, on the calling goroutine, as an async function (like
// Twisted's ensureDeferred on a coroutine) and returns when f first suspends
// in Await, or returns, with a Deferred for f's result.
//
// When a Deferred that f awaits fires, f resumes on the goroutine that fires
// it, and runs until its next Await or its end before that Callback or
// Errback returns. Cancelling the returned Deferred cancels the Deferred f
// awaits at that moment, and Await returns the *CancelledError; if f is
// running at that moment, its next Await returns the *CancelledError at
// once. If f swallows the error and returns normally, the Deferred fires
// normally: the runtime does not hide that bug (cancelcheck finds it). A
// panic in f fails the Deferred with a *PanicError.
//
// The Task's Context is context.Background(): it is not cancelled when the
// returned Deferred is, so a context-aware call that f makes with it (an
// HTTP request, a database query) goes on after a cancel. Real I/O belongs
// in RunContext, whose Task's Context is cancelled with the Deferred.
//
// While f is suspended, its coroutine holds a goroutine: a Deferred that f
// awaits and that never fires keeps it forever, as a Python coroutine stays
// suspended forever on a Deferred that never fires.
//
// If f exits its goroutine with runtime.Goexit (t.FailNow in a test, say),
// the goroutine that started or resumed it (the caller of Run, or of the
// Callback that f awaited) exits too, as iter.Pull passes a Goexit on: a
// test whose goroutine drives f ends as t.FailNow ends it. The Task is
// done (a Cancel finds nothing to cancel), its Context is cancelled, and
// the Deferred fails with ErrGoexit, but its stages run only when a stage
// is next added to it, not on the exiting goroutines.
func Run[T any](f func(t *Task) (T, error)) *Deferred[T] {
	return run(context.Background(), f)
}

// RunContext is Run for a function that also calls context-aware code. The
// Task's Context carries ctx's values; it is cancelled, with a
// *CancelledError as its cause, as soon as the returned Deferred is
// cancelled, and when f returns. When ctx is done, the returned Deferred is
// cancelled with ctx's cause as the reason (if ctx is done already, f's
// first Await returns the *CancelledError): ctx bounds the work. Pass
// context.WithoutCancel(ctx) to keep the values and not the bound.
func RunContext[T any](ctx context.Context, f func(t *Task) (T, error)) *Deferred[T] {
	tctx, cancel := context.WithCancelCause(ctx)
	r := newRun(tctx, f)
	r.t.stopCtx = cancel
	d := &r.d
	stop := func() bool { return false }
	if ctx.Err() != nil {
		r.t.cancelPending, r.t.cancelReason = true, contextReason(ctx)
	} else {
		stop = context.AfterFunc(ctx, func() { d.CancelWithReason(contextReason(ctx)) })
	}
	d.peek(observerFunc[T](func(_ T, err error) {
		stop()
		cancel(err)
	}))
	r.t.start()
	return d
}

// contextReason is the reason of a cancel that comes from ctx being done.
func contextReason(ctx context.Context) string {
	if cause := context.Cause(ctx); cause != nil {
		return cause.Error()
	}
	return "context done"
}

func run[T any](ctx context.Context, f func(t *Task) (T, error)) *Deferred[T] {
	r := newRun(ctx, f)
	r.t.start()
	return &r.d
}

// A running is one Run: the Task, its Deferred and the function's result in
// a single allocation.
type running[T any] struct {
	t     Task
	d     Deferred[T]
	f     func(*Task) (T, error)
	value T
	err   error
}

func newRun[T any](ctx context.Context, f func(t *Task) (T, error)) *running[T] {
	r := &running[T]{f: f}
	r.t.ctx = ctx
	r.t.owner = r
	r.d.flags = flagBound
	r.d.waitingOn = &r.t
	return r
}

// run runs f on the coroutine, turning a panic into a *PanicError.
func (r *running[T]) run() {
	returned := false
	defer func() {
		if p := recover(); p != nil {
			var zero T
			r.value, r.err = zero, recovered(p)
		} else if !returned {
			r.exited()
		}
	}()
	r.value, r.err = r.f(&r.t)
	returned = true
}

// exited ends the Task whose function called runtime.Goexit (t.FailNow in
// a test, say). It runs on the coroutine, whose goroutine is exiting, while
// the driver waits in resume, before iter.Pull passes the Goexit on to the
// driver: the goroutine that started or resumed the function exits too.
// The Task is done and its coroutine is not reused; its context is
// cancelled, and the Run Deferred fails with ErrGoexit without running its
// chain: its stages run when a stage is next added to it, not on an
// exiting goroutine.
func (r *running[T]) exited() {
	t := &r.t
	t.mu.Lock()
	t.state, t.waiting, t.co = taskDone, nil, nil
	stopCtx := t.stopCtx
	t.mu.Unlock()
	t.owner, r.f = nil, nil
	if stopCtx != nil {
		stopCtx(ErrGoexit)
	}
	var zero T
	r.d.settle(zero, ErrGoexit)
}

func (r *running[T]) finish() {
	r.t.owner, r.f = nil, nil
	v, err := r.value, r.err
	var zero T
	r.value, r.err = zero, nil
	r.d.resolve(v, err)
}

func (t *Task) start() {
	t.co = getCoroutine()
	t.co.job = t.owner
	if t.drive() {
		t.owner.finish()
	}
}

// drive resumes the task's function until it suspends or returns, and
// reports whether it returned. Exactly one goroutine drives a task at a
// time: the one that set its state to taskRunning.
func (t *Task) drive() bool {
	for {
		if t.co.resume() {
			t.mu.Lock()
			t.state, t.waiting = taskDone, nil
			co := t.co
			t.co = nil
			t.mu.Unlock()
			putCoroutine(co)
			return true
		}
		t.mu.Lock()
		if t.ready {
			// What it awaits fired while it was suspending: go on.
			t.ready = false
			t.mu.Unlock()
			continue
		}
		t.state = taskSuspended
		t.awaits++
		if !t.cancelPending {
			t.mu.Unlock()
			return false
		}
		// A cancel came while the function was on its way into Await.
		t.cancelPending = false
		t.cancelLocked(t.cancelReason)
		return false
	}
}

// cancel implements cancelTarget for the Run Deferred. It reports false
// only if the function has returned.
func (t *Task) cancel(reason string) bool {
	t.mu.Lock()
	if t.state == taskDone {
		t.mu.Unlock()
		return false
	}
	stopCtx := t.stopCtx
	t.mu.Unlock()
	if stopCtx != nil {
		stopCtx(&CancelledError{Reason: reason})
	}
	t.mu.Lock()
	return t.cancelLocked(reason)
}

// cancelLocked delivers a cancel to the function: to the Deferred it
// awaits, or, while it runs, to its next Await. A cancel is never lost
// while the function has not returned: if what it awaits has fired (and
// the function is about to resume), the next Await gets the cancel. t.mu is
// held, and released.
func (t *Task) cancelLocked(reason string) bool {
	for {
		switch t.state {
		case taskDone:
			t.mu.Unlock()
			return false
		case taskRunning:
			t.cancelPending, t.cancelReason = true, reason
			t.mu.Unlock()
			return true
		}
		w, seq := t.waiting, t.awaits
		t.mu.Unlock()
		if w.cancel(reason) {
			return true
		}
		// Too late for w: it has fired. Either the function is about to
		// resume from this Await, or it already waits in another one.
		t.mu.Lock()
		if t.state == taskSuspended && t.awaits == seq {
			t.cancelPending, t.cancelReason = true, reason
			t.mu.Unlock()
			return true
		}
	}
}

// Context returns the context of the Task: context.Background() for Run,
// and for RunContext a context with the values of the one given, done when
// that one is done, when the Task's Deferred is cancelled (with a
// *CancelledError as its cause), or when the function returns.
func (t *Task) Context() context.Context { return t.ctx }

// Awaits reports how many times the Task's function has suspended in Await.
func (t *Task) Awaits() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.awaits
}

// Resumes reports how many times the Task's function has resumed from a
// suspension in Await: Awaits() while the function runs or after it has
// returned, one less while it is suspended. It changes when a resumption
// starts, on the goroutine that fires what the function awaits, so a
// Resumes() taken at some moment and compared with a later one tells
// whether the function went on in between: logcontext uses it to see a
// task resume after its request has finished.
func (t *Task) Resumes() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.resumes
}

// Await suspends the async function that t belongs to until d fires, and
// returns d's result (Python's `await d`). If d has already fired, it returns
// at once. The result is read, not consumed: d's chain keeps it, and an error
// read here counts as handled.
//
// If the Task is cancelled while it waits, d is cancelled and Await returns
// what d fails with, normally a *CancelledError (or a value, if d's canceller
// fires it with one). If the Task was cancelled while running, Await cancels
// d and returns a *CancelledError at once.
func Await[T any](t *Task, d *Deferred[T]) (T, error) {
	if err := gateAwait(t, d); err != nil {
		var zero T
		return zero, err
	}
	return awaitOn(t, d)
}

func awaitOn[T any](t *Task, d *Deferred[T]) (T, error) {
	t.mu.Lock()
	if t.cancelPending {
		t.cancelPending = false
		reason := t.cancelReason
		t.mu.Unlock()
		d.cancel(reason)
		d.observe(discard[T]{}) // the cancelled result is handled here
		var zero T
		return zero, &CancelledError{Reason: reason}
	}
	co := t.co
	if co == nil {
		t.mu.Unlock()
		panic("deferred: Await on a Task whose function has returned")
	}
	t.mu.Unlock()

	if v, err, ok := d.readNow(); ok {
		return v, err
	}
	a := &awaiter[T]{t: t}
	d.observe(a)
	t.mu.Lock()
	if t.ready {
		// d had fired: no need to suspend.
		t.ready = false
		t.mu.Unlock()
		return a.value, a.err
	}
	t.waiting = d
	t.mu.Unlock()
	co.suspend()
	return a.value, a.err
}

// An awaiter receives the result Await waits for, and wakes the Task.
type awaiter[T any] struct {
	t     *Task
	value T
	err   error
}

func (a *awaiter[T]) fired(v T, err error) {
	a.value, a.err = v, err
	a.t.wake()
}

type discard[T any] struct{}

func (discard[T]) fired(T, error) {}

// wake resumes the task after what it awaits has fired.
func (t *Task) wake() {
	t.mu.Lock()
	t.waiting = nil
	if t.state != taskSuspended {
		// Still on its way into Await (or reading a fired Deferred).
		t.ready = true
		t.mu.Unlock()
		return
	}
	t.state = taskRunning
	t.resumes++
	t.mu.Unlock()
	if t.drive() {
		t.owner.finish()
	}
}
