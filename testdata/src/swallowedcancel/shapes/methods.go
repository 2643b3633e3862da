package shapes

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Calls through method values and method expressions: the arguments line
// up with the method's parameters whether the receiver is bound (a method
// value), passed first (a method expression), or either is converted to a
// named function type.

type runner struct{ name string }

// run runs f in its call tree: f is its parameter 1, after t.
func (r *runner) run(t *deferred.Task, f func(*deferred.Task) error) error {
	return f(t)
}

// logErr only reads its error parameter.
func (r *runner) logErr(err error) { log.Print(r.name, err) }

func swallowsInMethodValue(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function returns a nil error.*\(call path: OnMethodValue → swallowsInMethodValue\)`
		return nil
	}
	return nil
}

//cancelcheck:cancellable
func OnMethodValue(t *deferred.Task, r *runner) error {
	run := r.run
	return run(t, swallowsInMethodValue)
}

func swallowsInMethodExpr(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function returns a nil error.*\(call path: OnMethodExpr → swallowsInMethodExpr\)`
		return nil
	}
	return nil
}

//cancelcheck:cancellable
func OnMethodExpr(t *deferred.Task, r *runner) error {
	run := (*runner).run
	return run(r, t, swallowsInMethodExpr)
}

type runFunc func(*runner, *deferred.Task, func(*deferred.Task) error) error

func swallowsInConvertedMethodExpr(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function returns a nil error.*\(call path: OnConvertedMethodExpr → swallowsInConvertedMethodExpr\)`
		return nil
	}
	return nil
}

//cancelcheck:cancellable
func OnConvertedMethodExpr(t *deferred.Task, r *runner) error {
	run := runFunc((*runner).run)
	return run(r, t, swallowsInConvertedMethodExpr)
}

type logFunc func(*runner, error)

// Logging through a converted method expression reads the error, as a
// direct call does: the cancellation is dropped.

//cancelcheck:cancellable
func OnConvertedLogger(t *deferred.Task, r *runner) error {
	logf := logFunc((*runner).logErr)
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function returns a nil error.*\(call path: OnConvertedLogger\)`
		logf(r, err)
		return nil
	}
	return nil
}

// A runtime method called through a method value: the errback is its
// argument 0 here, not 1.

//cancelcheck:cancellable
func OnErrbackMethodValue(t *deferred.Task, d *deferred.Deferred[int]) (int, error) {
	addErrback := d.AddErrback
	addErrback(func(err error) (int, error) {
		return 0, nil // want `the errback returns a nil error.*\(call path: OnErrbackMethodValue → OnErrbackMethodValue\.func1\)`
	})
	return deferred.Await(t, d)
}
