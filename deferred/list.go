package deferred

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Result is the outcome of one input of List: its value if Err is nil, else
// its error (one (success, result) pair of Twisted's DeferredList).
type Result[T any] struct {
	Value T
	Err   error
}

// Winner is the input that won: the first to succeed, at Index in the
// inputs, with its Value. First and Race fire with it.
type Winner[T any] struct {
	Index int
	Value T
}

// ListOptions are the flags of Twisted's DeferredList that List and First
// take. The zero ListOptions waits for every input and leaves the inputs'
// failures unhandled.
type ListOptions struct {
	// FireOnOneErrback fails the result as soon as an input fails, with a
	// *FirstError holding the input's index and error; later results are
	// ignored.
	FireOnOneErrback bool
	// ConsumeErrors makes the inputs' failures count as handled, as
	// Twisted's consumeErrors does, so that they are not reported as
	// unhandled on the inputs; the result still carries them. Without it,
	// each failure stays unhandled on its input, to be handled there.
	ConsumeErrors bool
}

// List returns a Deferred that fires, once every input has fired, with a
// Result per input, in input order: Twisted's DeferredList. It fires at once,
// with an empty slice, for no inputs. A failed input does not fail the list
// unless opts.FireOnOneErrback is set.
//
// Cancelling the list before it fires cancels every input, in order (those
// that have fired are not affected). The list then fires as usual, so with
// the inputs' *CancelledErrors in its Results (or, with FireOnOneErrback, a
// *FirstError around the first), and with the values of inputs whose
// cancellers fired them with one.
//
// List panics if an input is nil. It reads the inputs as Gather does,
// without changing their chains, and keeps its own copy of ds.
func List[T any](ds []*Deferred[T], opts ListOptions) *Deferred[[]Result[T]] {
	if len(ds) == 0 {
		return Succeed([]Result[T]{})
	}
	l := newListing(ds, opts)
	l.all = newBound[[]Result[T]](l)
	l.observeInputs()
	return l.all
}

// First returns a Deferred that fires with the first input to succeed and
// its index, without waiting for the others (Twisted's DeferredList with
// fireOnOneCallback). The other inputs are left running; use Race to have
// them cancelled. If every input fails, First fails with an *AllFailedError
// holding their errors in input order (Twisted fires with the list of
// failures instead); with opts.FireOnOneErrback, it fails as soon as one
// input fails, with a *FirstError. For no inputs, it fails at once with an
// *AllFailedError holding no errors (Twisted never fires).
//
// Cancelling it before it fires cancels every input, in order; an input whose
// canceller fires it with a value then wins. Like List, First panics if an
// input is nil and keeps its own copy of ds.
func First[T any](ds []*Deferred[T], opts ListOptions) *Deferred[Winner[T]] {
	if len(ds) == 0 {
		return Fail[Winner[T]](&AllFailedError{})
	}
	l := newListing(ds, opts)
	l.first = newBound[Winner[T]](l)
	l.observeInputs()
	return l.first
}

// listing is the state of a List or a First: exactly one of all and first
// is set.
type listing[T any] struct {
	inputs []*Deferred[T]
	opts   ListOptions
	all    *Deferred[[]Result[T]]
	first  *Deferred[Winner[T]]

	mu      sync.Mutex
	results []Result[T]
	left    int
	done    bool
}

func newListing[T any](ds []*Deferred[T], opts ListOptions) *listing[T] {
	checkInputs(ds)
	return &listing[T]{
		inputs:  slices.Clone(ds),
		opts:    opts,
		results: make([]Result[T], len(ds)),
		left:    len(ds),
	}
}

// checkInputs panics, naming the input, if one is nil: better now than as a
// nil dereference deep inside a callback later.
func checkInputs[T any](ds []*Deferred[T]) {
	for i, d := range ds {
		if d == nil {
			panic(fmt.Sprintf("deferred: input %d of %T is nil", i, ds))
		}
	}
}

func (l *listing[T]) observeInputs() {
	for i, d := range l.inputs {
		o := observerFunc[T](func(v T, err error) { l.fired(i, v, err) })
		if l.opts.ConsumeErrors {
			d.observe(o)
		} else {
			d.peek(o)
		}
	}
}

func (l *listing[T]) fired(i int, v T, err error) {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return
	}
	l.results[i] = Result[T]{v, err}
	l.left--
	switch {
	case err == nil && l.first != nil:
		l.done = true
		l.mu.Unlock()
		l.first.resolve(Winner[T]{Index: i, Value: v}, nil)
	case err != nil && l.opts.FireOnOneErrback:
		l.done = true
		l.mu.Unlock()
		fe := &FirstError{Index: i, Err: err}
		if l.first != nil {
			l.first.resolve(Winner[T]{}, fe)
		} else {
			l.all.resolve(nil, fe)
		}
	case l.left == 0:
		l.done = true
		l.mu.Unlock()
		if l.first != nil {
			errs := make([]error, len(l.results))
			for j, r := range l.results {
				errs[j] = r.Err
			}
			l.first.resolve(Winner[T]{}, &AllFailedError{Errs: errs})
		} else {
			l.all.resolve(l.results, nil)
		}
	default:
		l.mu.Unlock()
	}
}

// cancel broadcasts a cancel to every input, in order.
func (l *listing[T]) cancel(reason string) bool {
	return cancelAll(l.inputs, -1, reason)
}

// cancelAll cancels every input but the one at skip, in order, and reports
// whether any cancel had an effect.
func cancelAll[T any](ds []*Deferred[T], skip int, reason string) bool {
	cancelled := false
	for i, d := range ds {
		if i != skip && d.cancel(reason) {
			cancelled = true
		}
	}
	return cancelled
}

// AllFailedError is the failure of Race, and of First, when every input
// failed (Twisted's FailureGroup): Errs holds their errors, in input order.
// errors.Is and errors.As look into each of them, so a race whose inputs
// were all cancelled Is ErrCancelled.
type AllFailedError struct {
	Errs []error
}

func (e *AllFailedError) Error() string {
	if len(e.Errs) == 0 {
		return "deferred: no inputs"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "deferred: all %d inputs failed: ", len(e.Errs))
	for i, err := range e.Errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns Errs, for errors.Is and errors.As.
func (e *AllFailedError) Unwrap() []error { return e.Errs }
