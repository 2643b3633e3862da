// Package deferred is a Go runtime for Twisted-style Deferreds: a value that
// will be produced later, with a chain of callbacks and errbacks that process
// it, cancellation that travels down to whatever is being waited on and a
// cancellation error that travels back up, and async functions (Run/Await)
// that suspend on a Deferred as Python coroutines do on `await`.
//
// The semantics are Twisted's (twisted.internet.defer), with the cancellation
// helpers of Matrix Synapse (StopCancellation, DelayCancellation,
// Observable). docs/runtime.md maps every name to its Twisted and Synapse
// counterpart and lists where the Go version differs and why.
//
// Every method may be called from any goroutine. Callbacks run on the
// goroutine that fires the Deferred (or that adds a callback to a fired
// one), and async functions resume on the goroutine that fires what they
// await, so a program that fires everything from one goroutine is
// deterministic, as a Twisted program on its reactor thread is.
package deferred

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// Deferred is a result that will arrive later, with the chain of callbacks
// that process it. Create one with New, Succeed or Fail, or get one from Run,
// Then, Gather and the other combinators. The zero Deferred is not usable.
//
// A callback, an errback, or the function of Then or Chain, that exits its
// goroutine with runtime.Goexit (t.FailNow in a test, say) instead of
// returning fails its stage with ErrGoexit. Nothing more runs on the
// exiting goroutine, and the Deferreds it was running are left for the
// next one: they are not left running, their results can be read, and the
// stages after the one that exited run when a stage is next added (or,
// for a Deferred waiting on another, when that one hands it a result). See
// Run for an async function that exits.
type Deferred[T any] struct {
	mu    sync.Mutex
	flags uint16

	// The result: valid once fired, while neither running nor paused.
	value T
	err   error

	// canceller is New's; nil once it has run or d has fired.
	canceller func(*Deferred[T])

	// The stages not yet run, first before more. first keeps the common
	// one-callback Deferred to a single allocation.
	first stage[T]
	more  *queue[T]

	// waitingOn is what Cancel forwards to: the Deferred this one is paused
	// on, the source of a wrapper, or the Task behind a Run Deferred.
	waitingOn cancelTarget

	failure *failure // the unhandled-failure tracker, while there is one
	// cancelReason is the reason of a cancel recorded while bound but not
	// waiting on anything (see flagCancelPending).
	cancelReason *string
}

const (
	flagFired         uint16 = 1 << iota // Callback or Errback was called
	flagRunning                          // a goroutine is running the chain
	flagPaused                           // the chain waits on another Deferred
	flagSuppressOnce                     // cancelled: ignore the next fire
	flagHandled                          // the current error was passed on
	flagHasFirst                         // first holds a stage
	flagBound                            // fired by the runtime; Cancel only forwards
	flagCancelPending                    // bound, cancelled while waiting on nothing
	flagCancelled                        // Cancel reached this Deferred while unfired
)

// cancelTarget is what a Cancel can be forwarded to. cancel reports false
// only when the cancel came too late: everything it would reach has fired
// (or finished). It reports true when the cancel took effect, was recorded
// to take effect later, or joins a cancel already in progress. A Task
// relies on this to never lose a cancel.
type cancelTarget interface {
	cancel(reason string) bool
}

type stageKind uint8

const (
	stageCallbacks stageKind = iota // cb and/or eb; nil is pass-through
	stageBoth                       // x is a func(T, error) (T, error)
	stageChained                    // x is a chained[T]: hands back a Deferred
	stageObserve                    // x is an observer[T]; the result stays
	stagePeek                       // like stageObserve, without handling errors
	// The stages that hand the result on to another Deferred, whose chain
	// then runs (see trampoline); like stageObserve, they handle an error.
	stageUnpause // x is the *Deferred[T] whose chain is paused on this one
	stagePassOn  // x is a bound *Deferred[T] that this one's result fires
)

// A stage is one link of the chain. The common kinds keep their functions in
// cb and eb; the rest keep theirs in x, which keeps a Deferred small.
type stage[T any] struct {
	kind stageKind
	cb   func(T) (T, error)
	eb   func(error) (T, error)
	x    any
}

type chained[T any] struct {
	cb func(T) *Deferred[T]
	eb func(error) *Deferred[T]
}

// An observer reads a result without changing it: the runtime's own
// wrappers implement it, so that reading a Deferred costs no closure.
type observer[T any] interface {
	fired(v T, err error)
}

type observerFunc[T any] func(T, error)

func (f observerFunc[T]) fired(v T, err error) { f(v, err) }

// New returns an unfired Deferred. canceller, which may be nil, is called by
// Cancel while the Deferred is unfired, to stop the operation; if it does not
// fire the Deferred itself, Cancel fails it with a *CancelledError.
func New[T any](canceller func(*Deferred[T])) *Deferred[T] {
	return &Deferred[T]{canceller: canceller}
}

// Succeed returns a Deferred that has already fired with v.
func Succeed[T any](v T) *Deferred[T] {
	return &Deferred[T]{flags: flagFired, value: v}
}

// Fail returns a Deferred that has already failed with err. It panics if err
// is nil. Like any failure, it is reported as unhandled if it is dropped
// before something handles it.
func Fail[T any](err error) *Deferred[T] {
	if err == nil {
		panic("deferred: Fail with a nil error")
	}
	d := &Deferred[T]{flags: flagFired, err: err}
	d.mu.Lock()
	d.trackLocked()
	d.mu.Unlock()
	return d
}

// Callback fires d with v: its callbacks run now, on this goroutine.
// Firing a fired Deferred panics with an error that Is ErrAlreadyCalled,
// except that after Cancel the first such call is silently ignored: the
// operation may finish on another goroutine after it was cancelled.
func (d *Deferred[T]) Callback(v T) {
	d.fire(v, nil, "Callback")
}

// Errback fails d with err: its errbacks run now, on this goroutine. It
// panics if err is nil, and on a fired Deferred as Callback does.
func (d *Deferred[T]) Errback(err error) {
	if err == nil {
		panic("deferred: Errback with a nil error")
	}
	var zero T
	d.fire(zero, err, "Errback")
}

func (d *Deferred[T]) fire(v T, err error, what string) {
	d.mu.Lock()
	if d.flags&flagFired != 0 {
		if d.flags&flagSuppressOnce != 0 {
			d.flags &^= flagSuppressOnce
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
		panic(&alreadyCalledError{what: what})
	}
	// A user's fire of a bound Deferred wins over the runtime's.
	d.firedLocked(v, err)
	d.runLocked()
}

// firedLocked records that d has fired with v or err, on every path that
// fires or settles it. d lets go of what it no longer needs: what it
// forwarded cancels to, and its canceller, which is never called once d
// has fired; as Twisted's Deferred drops its canceller when it fires, a
// fired Deferred kept for long (a cached result, an observed value) then
// does not keep alive what the canceller captured.
func (d *Deferred[T]) firedLocked(v T, err error) {
	d.flags = (d.flags | flagFired) &^ (flagBound | flagCancelPending)
	d.waitingOn, d.canceller, d.cancelReason = nil, nil, nil
	d.value, d.err = v, err
}

// resolve fires d for the runtime: a wrapper passing on its source's result.
// It reports false, and does nothing, if d has already fired (it was
// cancelled, or fired by hand).
func (d *Deferred[T]) resolve(v T, err error) bool {
	if err != nil {
		var zero T
		v = zero
	}
	d.mu.Lock()
	if d.flags&flagFired != 0 {
		d.mu.Unlock()
		return false
	}
	d.firedLocked(v, err)
	d.runLocked()
	return true
}

// AddCallbacks adds a stage to d's chain: cb runs if the previous stage
// succeeded, with its value; eb runs if it failed, with its error. Either may
// be nil, to pass the result on unchanged. What the stage returns (a non-nil
// error fails it) goes to the next stage; a panic becomes a *PanicError. If
// d has fired, the stage runs now, on this goroutine. AddCallbacks returns d.
func (d *Deferred[T]) AddCallbacks(cb func(T) (T, error), eb func(error) (T, error)) *Deferred[T] {
	return d.add(stage[T]{kind: stageCallbacks, cb: cb, eb: eb})
}

// AddCallback adds a stage that runs cb on success and passes failures on.
func (d *Deferred[T]) AddCallback(cb func(T) (T, error)) *Deferred[T] {
	return d.add(stage[T]{kind: stageCallbacks, cb: cb})
}

// AddErrback adds a stage that runs eb on failure and passes values on. An
// errback that returns a nil error recovers the chain: the next stage's
// callback runs with the value it returned.
func (d *Deferred[T]) AddErrback(eb func(error) (T, error)) *Deferred[T] {
	return d.add(stage[T]{kind: stageCallbacks, eb: eb})
}

// AddBoth adds a stage that runs f with the previous stage's value and error
// (the value is the zero T when the error is not nil), whichever it was.
func (d *Deferred[T]) AddBoth(f func(T, error) (T, error)) *Deferred[T] {
	return d.add(stage[T]{kind: stageBoth, x: f})
}

// AddDeferredCallbacks adds a stage whose callback or errback hands back a
// Deferred: the chain pauses until that Deferred fires and goes on with its
// result (Twisted's chaining, where a callback returns a Deferred). While the
// chain is paused, Cancel on d cancels the Deferred it waits on. Either
// function may be nil, to pass the result on; a nil Deferred is a failure.
func (d *Deferred[T]) AddDeferredCallbacks(cb func(T) *Deferred[T], eb func(error) *Deferred[T]) *Deferred[T] {
	return d.add(stage[T]{kind: stageChained, x: chained[T]{cb, eb}})
}

// AddDeferredCallback is AddDeferredCallbacks with only a callback.
func (d *Deferred[T]) AddDeferredCallback(cb func(T) *Deferred[T]) *Deferred[T] {
	return d.add(stage[T]{kind: stageChained, x: chained[T]{cb: cb}})
}

// MarkHandled adds a stage that marks the failure d has at that point of
// its chain, if any, as handled, and changes nothing else: the error stays
// d's result, for the next stages, Result and Await. Use it where the
// failure has been dealt with in another way, typically logged, and d may
// be dropped without an "unhandled error" report, while whoever waits on
// d still gets the error. A failure of a later stage is unhandled again.
// It returns d.
//
// Twisted has no counterpart: there, an errback that logs a failure
// returns None and so replaces it, which a Deferred[T] whose callers must
// see the error cannot do. MarkHandled is not a way to ignore failures:
// only mark one handled once something has reported it.
func (d *Deferred[T]) MarkHandled() *Deferred[T] {
	d.observe(discard[T]{})
	return d
}

// observe adds a stage that reads d's result where it stands in the chain
// and leaves it unchanged; an error read this way counts as handled. This is
// how wrappers (Await, Then, Gather, ...) read d without consuming it.
func (d *Deferred[T]) observe(o observer[T]) {
	d.add(stage[T]{kind: stageObserve, x: o})
}

// readNow returns d's result if it has one now (it has fired, and its
// chain is neither running nor paused), as an observe stage added now would
// read it: an error read this way counts as handled. Await uses it to read
// a fired Deferred without suspending.
func (d *Deferred[T]) readNow() (v T, err error, ok bool) {
	d.mu.Lock()
	if d.flags&flagFired == 0 || d.flags&(flagRunning|flagPaused) != 0 {
		d.mu.Unlock()
		return v, nil, false
	}
	v, err = d.value, d.err
	var f *failure
	if err != nil {
		d.flags |= flagHandled
		f, d.failure = d.failure, nil
	}
	d.mu.Unlock()
	if f != nil {
		f.stop()
	}
	return v, err, true
}

// peek is observe without handling the error: it stays unhandled on d.
func (d *Deferred[T]) peek(o observer[T]) {
	d.add(stage[T]{kind: stagePeek, x: o})
}

// passTo makes d's result, where it stands in the chain, fire r (unless r
// has fired), as observing d with r.resolve would; an error passed on
// counts as handled on d. Unlike an observer, it does not run r's chain
// inside d's: a chain of Deferreds each passing its result on to the next
// runs at one stack depth (see trampoline).
func (d *Deferred[T]) passTo(r *Deferred[T]) {
	d.add(stage[T]{kind: stagePassOn, x: r})
}

func (d *Deferred[T]) add(s stage[T]) *Deferred[T] {
	d.mu.Lock()
	if d.flags&flagHasFirst == 0 && (d.more == nil || d.more.empty()) {
		d.first = s
		d.flags |= flagHasFirst
	} else {
		if d.more == nil {
			d.more = new(queue[T])
			d.more.stages = d.more.buf[:0]
		}
		d.more.push(s)
	}
	if d.flags&flagFired != 0 {
		d.runLocked()
	} else {
		d.mu.Unlock()
	}
	return d
}

func (d *Deferred[T]) popLocked() (stage[T], bool) {
	if d.flags&flagHasFirst != 0 {
		s := d.first
		d.first = stage[T]{}
		d.flags &^= flagHasFirst
		return s, true
	}
	if d.more != nil {
		return d.more.pop()
	}
	return stage[T]{}, false
}

// A queue holds the stages after the first: the first few in place, so
// that a short chain costs one allocation for all of them.
type queue[T any] struct {
	stages []stage[T] // stages[head:] are pending
	head   int
	buf    [3]stage[T]
}

func (q *queue[T]) empty() bool { return q.head == len(q.stages) }

func (q *queue[T]) push(s stage[T]) {
	if q.head > 0 && q.empty() {
		q.stages, q.head = q.stages[:0], 0 // reuse the space
	}
	q.stages = append(q.stages, s)
}

func (q *queue[T]) pop() (stage[T], bool) {
	if q.empty() {
		return stage[T]{}, false
	}
	s := q.stages[q.head]
	q.stages[q.head] = stage[T]{}
	q.head++
	return s, true
}

// runLocked runs d's pending stages. It is called with d.mu held, on a fired
// Deferred, and releases it. Only one goroutine runs a chain at a time: a
// stage added while the chain runs is picked up by the running loop, as in
// Twisted's _runCallbacks.
func (d *Deferred[T]) runLocked() {
	if d.flags&(flagRunning|flagPaused) != 0 {
		d.mu.Unlock()
		return
	}
	d.flags |= flagRunning
	if next, parked := d.runStagesLocked(); next != nil {
		if parked {
			trampoline(d, next)
		} else {
			trampoline(nil, next)
		}
	}
}

// runStagesLocked runs d's pending stages, starting from the result stored
// in d. It is called with d.mu held and flagRunning set, and releases d.mu.
// It returns nil once d's run is over: the chain has run to its end, or it
// is paused on another Deferred. It returns another Deferred when a stage
// has handed d's result on to it (stageUnpause, stagePassOn) and that one's
// chain is to run now, by the caller. If that stage was d's last, d's run
// is over too (a tail call); if not, d is parked: it stays running, its
// result stored, and the caller resumes it once the other chain has run.
//
// The functions that run code from outside the chain (callStage1,
// callBoth, callChained, callObserver, pauseOn) end d's run if the
// goroutine exits in that code (runtime.Goexit): see exitedInStage.
func (d *Deferred[T]) runStagesLocked() (next runner, parked bool) {
	v, err := d.value, d.err
	handled := d.flags&flagHandled != 0
	for {
		s, ok := d.popLocked()
		if !ok {
			break
		}
		d.mu.Unlock()
		var inner *Deferred[T] // what a chained stage hands back
		switch s.kind {
		case stageCallbacks:
			if err == nil && s.cb != nil {
				v, err = callStage1(d, s.cb, v)
				handled = false
			} else if err != nil && s.eb != nil {
				v, err = callStage1(d, s.eb, err)
				handled = false
			}
		case stageBoth:
			v, err = callBoth(d, s.x.(func(T, error) (T, error)), v, err)
			handled = false
		case stageObserve, stagePeek:
			if err != nil && s.kind == stageObserve {
				handled = true
			}
			d.callObserver(s.x.(observer[T]), v, err, handled)
		case stageUnpause, stagePassOn:
			if err != nil {
				handled = true
			}
			if target := s.x.(*Deferred[T]); target.take(v, err, s.kind == stageUnpause) {
				d.mu.Lock()
				d.storeLocked(v, err, handled)
				if d.flags&flagHasFirst == 0 && (d.more == nil || d.more.empty()) {
					d.endRunLocked()
					return target, false
				}
				d.mu.Unlock()
				return target, true
			}
		case stageChained:
			c := s.x.(chained[T])
			if err == nil && c.cb != nil {
				inner, err = callChained(d, c.cb, v)
			} else if err != nil && c.eb != nil {
				inner, err = callChained(d, c.eb, err)
			} else {
				break
			}
			if inner == d {
				// Waiting on itself, d would never fire again.
				inner, err = nil, errCircularChain
			}
			var zero T
			v, handled = zero, false
		}
		d.mu.Lock()
		if inner != nil {
			d.flags |= flagPaused
			d.waitingOn = inner
			d.mu.Unlock()
			d.pauseOn(inner)
			d.mu.Lock()
			if d.flags&flagPaused != 0 {
				d.flags &^= flagRunning
				d.pausedLocked()
				return nil, false
			}
			// inner had fired already: its unpause stage stored its result.
			v, err, handled = d.value, d.err, false
		}
	}
	d.storeLocked(v, err, handled)
	d.endRunLocked()
	return nil, false
}

// pauseOn adds to next the stage that unpauses d's chain with next's
// result; if next has fired, the stage runs now, with next's pending
// stages.
func (d *Deferred[T]) pauseOn(next *Deferred[T]) {
	returned := false
	defer func() {
		if !returned {
			d.exitedWhilePausing()
		}
	}()
	next.add(stage[T]{kind: stageUnpause, x: d})
	returned = true
}

// callObserver calls the observer of a stage of d's chain; handled is
// whether the result it reads is handled once read.
func (d *Deferred[T]) callObserver(o observer[T], v T, err error, handled bool) {
	returned := false
	defer func() {
		if !returned {
			d.exitedInObserver(v, err, handled)
		}
	}()
	o.fired(v, err)
	returned = true
}

// pausedLocked ends d's run once its chain is paused: the unpause stage of
// the Deferred it waits on will run the rest when that one fires. Until
// then d's result is that Deferred, not a failure: a failure d had before
// is not unhandled any more. d.mu is held, and released.
func (d *Deferred[T]) pausedLocked() {
	f := d.failure
	d.failure = nil
	d.mu.Unlock()
	if f != nil {
		f.stop()
	}
}

// endRunLocked ends d's run with the result stored in d, tracking it if it
// is an unhandled failure. d.mu is held, and released.
func (d *Deferred[T]) endRunLocked() {
	d.flags &^= flagRunning
	if d.err != nil || d.failure != nil {
		d.trackLocked()
	}
	d.mu.Unlock()
}

// When the goroutine running d's chain exits (runtime.Goexit, t.FailNow in
// a test) in code that a stage calls, these end d's run: no more of the
// chain runs on that goroutine, and d is left for the next one. The stages
// after run when a stage is next added to d (or, while d is paused, when
// what it waits on hands it a result).

// exitedInStage: a callback, errback or chained callback exited. Its stage
// fails with ErrGoexit.
func (d *Deferred[T]) exitedInStage() {
	var zero T
	d.mu.Lock()
	d.storeLocked(zero, ErrGoexit, false)
	d.endRunLocked()
}

// exitedInObserver: an observer exited (an async function that d resumed,
// or a wrapper's function). The result it read stays, read.
func (d *Deferred[T]) exitedInObserver(v T, err error, handled bool) {
	d.mu.Lock()
	d.storeLocked(v, err, handled)
	d.endRunLocked()
}

// exitedWhilePausing: a stage of the Deferred d is pausing on exited, run
// when pauseOn added d's unpause stage to it. d stays paused on it, or
// keeps the result its unpause stage handed over.
func (d *Deferred[T]) exitedWhilePausing() {
	d.mu.Lock()
	if d.flags&flagPaused != 0 {
		d.flags &^= flagRunning
		d.pausedLocked()
		return
	}
	d.flags &^= flagHandled
	d.endRunLocked()
}

// stop ends the run of a parked d where it stands, when the goroutine
// exits in the chain that was to run first: d's result is stored already,
// and the rest of its chain runs when a stage is next added.
func (d *Deferred[T]) stop() {
	d.mu.Lock()
	d.endRunLocked()
}

// settle fires d for the runtime without running its chain, unless d has
// fired already: the goroutine is exiting (runtime.Goexit), and d's stages
// run when a stage is next added to it.
func (d *Deferred[T]) settle(v T, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.flags&flagFired != 0 {
		return
	}
	d.firedLocked(v, err)
	d.trackLocked()
}

// storeLocked stores the result of d's chain where the chain stands.
func (d *Deferred[T]) storeLocked(v T, err error, handled bool) {
	d.value, d.err = v, err
	if handled {
		d.flags |= flagHandled
	} else {
		d.flags &^= flagHandled
	}
}

// take gives d a result that another Deferred's stage hands on: that of the
// Deferred d's chain is paused on (unpause), or the source of a bound d
// (stagePassOn), which fires d unless d has fired already. It reports
// whether d's chain is to run now, by the caller: d is then marked running.
// It is not when the loop that paused d's chain is still running (it reads
// the result stored here), or when a passed-on result comes too late.
func (d *Deferred[T]) take(v T, err error, unpause bool) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if unpause {
		d.flags &^= flagPaused | flagHandled
		d.waitingOn = nil
		d.value, d.err = v, err
	} else {
		if d.flags&flagFired != 0 {
			return false
		}
		if err != nil {
			var zero T
			v = zero
		}
		d.firedLocked(v, err)
	}
	if d.flags&flagRunning != 0 {
		return false
	}
	d.flags |= flagRunning
	return true
}

// resume goes on with d's run: the one take started, or one that a stage
// parked to run another Deferred's chain first.
func (d *Deferred[T]) resume() (next runner, parked bool) {
	d.mu.Lock()
	return d.runStagesLocked()
}

// A runner is a Deferred whose run a trampoline goes on with.
type runner interface {
	resume() (next runner, parked bool)
	stop()
}

// trampoline runs the chain of next, and of the Deferreds their stages hand
// results on to, depth first, then the rest of parked's chain (if parked
// is not nil), and so for each Deferred a stage parks: the order of nested
// calls, by a loop, as Twisted's _runCallbacks walks its chain of
// Deferreds. A chain of Deferreds each waiting on the next (a callback that
// hands back a Deferred whose callback hands back another, or Chain, or
// StopCancellation, nested) thus resumes at one stack depth however long
// it is; when the stage that hands a result on is the last of its chain,
// as it usually is, that chain is over first and nothing is parked.
//
// If the goroutine exits (runtime.Goexit) in a chain, the parked
// Deferreds, their results stored, stop where they stand.
func trampoline(parked, next runner) {
	var buf [8]runner
	stack := buf[:0]
	if parked != nil {
		stack = append(stack, parked)
	}
	stack = append(stack, next)
	top := len(stack) - 1 // the one running: it ends its own run if the goroutine exits
	defer func() {
		if top >= 0 {
			for _, r := range stack[:top] {
				r.stop()
			}
		}
	}()
	for ; top >= 0; top = len(stack) - 1 {
		switch r, park := stack[top].resume(); {
		case r == nil:
			stack[top] = nil
			stack = stack[:top]
		case park:
			stack = append(stack, r)
		default:
			stack[top] = r
		}
	}
}

// Cancel cancels d (Twisted's Deferred.cancel). On an unfired Deferred it
// runs the canceller; if that did not fire d, d fails with a
// *CancelledError. On a Deferred whose chain is paused on another Deferred,
// or that waits on one (the Deferreds of Run, Then, Chain, Gather and the
// shields), the cancel is forwarded to what it waits on, and the
// *CancelledError comes back from there. On a fired Deferred it does
// nothing.
func (d *Deferred[T]) Cancel() { d.cancel("") }

// CancelWithReason is Cancel with a reason that the *CancelledError carries,
// to say why the work was abandoned. The reason is forwarded with the cancel.
func (d *Deferred[T]) CancelWithReason(reason string) { d.cancel(reason) }

func (d *Deferred[T]) cancel(reason string) bool {
	d.mu.Lock()
	if w := d.waitingOn; w != nil {
		d.mu.Unlock()
		return w.cancel(reason)
	}
	if d.flags&flagFired != 0 {
		d.mu.Unlock()
		return false
	}
	if d.flags&flagBound != 0 {
		// Between two waits (a Chain whose callback is running): deliver the
		// cancel to whatever it waits on next.
		d.flags |= flagCancelPending
		d.cancelReason = &reason
		d.mu.Unlock()
		return true
	}
	if d.flags&flagCancelled != 0 {
		// The canceller is running (on another goroutine, or it cancels d
		// again): that cancel is in progress, and it will fire d.
		d.mu.Unlock()
		return true
	}
	d.flags |= flagCancelled
	c := d.canceller
	d.canceller = nil // it runs once; firedLocked would drop it too
	if c == nil {
		// Fail d under the lock that saw it unfired: a fire racing with this
		// cancel either came first (and the cancel reported false: too late,
		// which a Task needs to know to keep its cancel for the next Await)
		// or comes after, and is ignored once.
		var zero T
		d.firedLocked(zero, &CancelledError{Reason: reason})
		d.flags |= flagSuppressOnce
		d.runLocked()
		return true
	}
	d.mu.Unlock()
	perr := callCanceller(c, d)
	d.mu.Lock()
	d.flags |= flagSuppressOnce
	if d.flags&flagFired == 0 {
		var zero T
		d.firedLocked(zero, &CancelledError{Reason: reason, Cause: perr})
		d.runLocked()
		return true
	}
	d.mu.Unlock()
	if perr != nil {
		// The canceller fired d, then panicked: d's result stands, and the
		// panic is reported rather than lost.
		reportNow(UnhandledError{Err: perr, Type: fmt.Sprintf("canceller of %T", d)})
	}
	return true
}

// waitOn makes the bound Deferred d forward cancels to w, delivering a
// cancel that arrived while d waited on nothing.
func (d *Deferred[T]) waitOn(w cancelTarget) {
	d.mu.Lock()
	if d.flags&flagFired != 0 {
		d.mu.Unlock()
		return
	}
	d.waitingOn = w
	if d.flags&flagCancelPending == 0 {
		d.mu.Unlock()
		return
	}
	d.flags &^= flagCancelPending
	reason := *d.cancelReason
	d.cancelReason = nil
	d.mu.Unlock()
	w.cancel(reason)
}

// newBound returns an unfired Deferred that the runtime fires with resolve
// and whose Cancel forwards to w (which may be nil until waitOn sets it).
func newBound[T any](w cancelTarget) *Deferred[T] {
	return &Deferred[T]{flags: flagBound, waitingOn: w}
}

// Called reports whether d has been fired (Twisted's Deferred.called). A
// fired Deferred whose chain is paused on another one is called.
func (d *Deferred[T]) Called() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.flags&flagFired != 0
}

// Result returns d's current result, and whether there is one: d has fired
// and its chain is neither paused nor running on another goroutine. Reading
// the result does not handle an error (tests use it to look, as Twisted's
// tests read Deferred.result).
func (d *Deferred[T]) Result() (v T, err error, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.flags&flagFired == 0 || d.flags&(flagPaused|flagRunning) != 0 {
		return v, nil, false
	}
	return d.value, d.err, true
}

// --- calling user code, with panics turned into *PanicError ---

func recovered(p any) error {
	return &PanicError{Value: p, Stack: debug.Stack()}
}

// A failed stage has no value: the callers below return the zero T with an
// error, whatever value the user's function returned with it, so that the
// next AddBoth, Result and Await see the zero T.

// The chain's callers below take the Deferred d whose stage they run, nil
// for a wrapper's function: if the function exits the goroutine
// (runtime.Goexit) instead of returning, d's stage fails (exitedInStage).

func callStage1[A, T any](d *Deferred[T], f func(A) (T, error), a A) (v T, err error) {
	returned := false
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, recovered(p)
		} else if !returned && d != nil {
			d.exitedInStage()
		}
	}()
	v, err = f(a)
	returned = true
	if err != nil {
		var zero T
		v = zero
	}
	return v, err
}

func callBoth[T any](d *Deferred[T], f func(T, error) (T, error), v T, err error) (rv T, rerr error) {
	returned := false
	defer func() {
		if p := recover(); p != nil {
			var zero T
			rv, rerr = zero, recovered(p)
		} else if !returned {
			d.exitedInStage()
		}
	}()
	rv, rerr = f(v, err)
	returned = true
	if rerr != nil {
		var zero T
		rv = zero
	}
	return rv, rerr
}

func callChained[A, T any](d *Deferred[T], f func(A) *Deferred[T], a A) (next *Deferred[T], err error) {
	returned := false
	defer func() {
		if p := recover(); p != nil {
			next, err = nil, recovered(p)
		} else if !returned && d != nil {
			d.exitedInStage()
		}
	}()
	next = f(a)
	returned = true
	if next == nil {
		return nil, errNilDeferred
	}
	return next, nil
}

func callCanceller[T any](c func(*Deferred[T]), d *Deferred[T]) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = recovered(p)
		}
	}()
	c(d)
	return nil
}

// The errors a chained callback's stage fails with when what it hands back
// cannot be waited on.
var (
	errNilDeferred   = chainError("deferred: a chained callback handed back a nil *Deferred")
	errCircularChain = chainError("deferred: a chained callback handed back the Deferred it was added to")
)

type chainError string

func (e chainError) Error() string { return string(e) }
