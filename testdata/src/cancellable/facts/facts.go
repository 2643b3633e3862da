// Package facts checks the summaries the pass exports. // want package:"uses-runtime"
package facts

import (
	"errors"
	"fmt"

	"cancellable/factsdep"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// viaFact suspends because the imported Load does.
func viaFact(t *deferred.Task) (string, error) { // want viaFact:"suspends result1=cancel"
	return factsdep.Load(t, deferred.New[string](nil))
}

// wrapped keeps the cancellation: %w and errors.Join carry it.
func wrapped(t *deferred.Task) error { // want wrapped:"suspends result0=cancel"
	_, err := viaFact(t)
	if err != nil {
		return errors.Join(fmt.Errorf("loading: %w", err), errors.New("other"))
	}
	return nil
}

// cut returns an error formatted with %v: the chain is cut, the result
// does not carry the cancellation any more.
func cut(t *deferred.Task) error { // want cut:"suspends"
	_, err := viaFact(t)
	if err != nil {
		return fmt.Errorf("loading: %v", err)
	}
	return nil
}

// gathered awaits a Gather: its error may be a *FirstError.
func gathered(t *deferred.Task) error { // want gathered:"suspends result0=cancel\\|firsterror"
	_, err := deferred.Await(t, factsdep.All(nil))
	return err
}

// unwrapped removes the FirstError.
func unwrapped(t *deferred.Task) error { // want unwrapped:"suspends result0=cancel"
	return deferred.UnwrapFirstError(gathered(t))
}

// started returns a Run Deferred whose function returns a FirstError.
func started() *deferred.Deferred[int] { // want started:"result0=firsterror"
	return deferred.Run(func(t *deferred.Task) (int, error) {
		return 0, gathered(t)
	})
}

// runner runs its parameter.
func runner(t *deferred.Task, f func(*deferred.Task) error) error { // want runner:"runs\\[1\\]"
	return f(t)
}

// recursive functions reach a fixed point.
func even(t *deferred.Task, n int) error { // want even:"suspends result0=cancel"
	if n == 0 {
		_, err := deferred.Await(t, deferred.New[int](nil))
		return err
	}
	return odd(t, n-1)
}

func odd(t *deferred.Task, n int) error { // want odd:"suspends result0=cancel"
	return even(t, n-1)
}

// OnGet is an entry point.
//
//cancelcheck:cancellable
func OnGet(t *deferred.Task) error { // want OnGet:"cancellable suspends result0=cancel"
	if err := wrapped(t); err != nil {
		return err
	}
	factsdep.Register("room", func(t *deferred.Task) (string, error) { return "", nil })
	return runner(t, func(t *deferred.Task) error { return nil })
}

// Plain has no fact.
func Plain() int { return 1 }

// logIt only reads its error; keep passes it on.
func logIt(prefix string, err error) { // want logIt:"reads\\[1\\]"
	fmt.Println(prefix, err)
}

func keep(err error) error { return err } // want keep:"passes0->0"

// A Walker with no implementation in sight: its calls are bound where one
// is (late binding).
type Walker interface{ Walk(t *deferred.Task) error }

// A function that calls itself at many sites keeps one path per open
// call: inheriting its own list at each site doubled it (2^40 entries
// here, out of memory, on internal/fuzz of the standard library).
func walk(t *deferred.Task, w Walker, n int) { // want walk:"calls\\(facts.Walker.Walk\\) ctx\\[0\\] swallowedcancel@facts.go:103"
	if n == 0 {
		w.Walk(t)
		return
	}
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
	walk(t, w, n-1)
}

// Tests of an error's kind other than a cancellation: true only for that
// kind.
type missingError struct{}

func (missingError) Error() string { return "missing" }

var errGone = errors.New("gone")

func isMissing(err error) bool { // want isMissing:"reads\\[0\\] kindtests\\[0\\]"
	if err == nil {
		return false
	}
	var e missingError
	return errors.As(err, &e)
}

func isGone(err error) bool { // want isGone:"reads\\[0\\] kindtests\\[0\\]"
	if errors.Is(err, errGone) || isMissing(err) {
		return true
	}
	return false
}

// True for every error but one kind, or for any error: no kind test.
func notMissing(err error) bool { // want notMissing:"reads\\[0\\]"
	return !isMissing(err)
}

func failed(err error) bool { // want failed:"reads\\[0\\]"
	if err != nil {
		return true
	}
	return false
}
