package fix

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// An errback whose failure parameter has no name: the fix names it.

//cancelcheck:cancellable
func UnnamedErrback(t *deferred.Task, d *deferred.Deferred[string]) (string, error) {
	d.AddErrback(func(error) (string, error) {
		return "", nil // want `the errback returns a nil error`
	})
	return deferred.Await(t, d)
}

//cancelcheck:cancellable
func BlankErrback(t *deferred.Task, d *deferred.Deferred[string]) (string, error) {
	d.AddErrback(func(_ error) (string, error) {
		return "fallback", nil // want `the errback returns a nil error`
	})
	return deferred.Await(t, d)
}

// err is taken in the enclosing function and used in the errback: the
// new name must not hide it.

//cancelcheck:cancellable
func UnnamedErrbackTaken(t *deferred.Task, d *deferred.Deferred[int], err error) (int, error) {
	d.AddErrback(func(error) (int, error) {
		log.Print(err)
		return 0, nil // want `the errback returns a nil error`
	})
	return deferred.Await(t, d)
}

// AddBoth's callback: every parameter gets a name, since Go does not mix
// named and unnamed parameters.

//cancelcheck:cancellable
func UnnamedBoth(t *deferred.Task, d *deferred.Deferred[string]) (string, error) {
	d.AddBoth(func(string, error) (string, error) {
		return "both", nil // want `the errback returns a nil error`
	})
	return deferred.Await(t, d)
}

// A named errback function with an unnamed parameter.

func recoverAll(error) (string, error) {
	return "", nil // want `the errback returns a nil error`
}

//cancelcheck:cancellable
func UnnamedNamedErrback(t *deferred.Task, d *deferred.Deferred[string]) (string, error) {
	d.AddErrback(recoverAll)
	return deferred.Await(t, d)
}
