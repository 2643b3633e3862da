package shapes

import "github.com/cancelcheck/cancelcheck/deferred"

// An errback kept in a package variable, or in a local variable chosen
// on a branch: each function it may be is the errback.
var zeroOnErr = func(n int, err error) (int, error) {
	if err != nil { // want `the failure passed to this errback may be a cancellation.*\(call path: ErrbackVars → zeroOnErr\)`
		return 0, nil
	}
	return n, nil
}

func softly(err error) (int, error) {
	return 0, nil // want `the failure passed to this errback may be a cancellation.*\(call path: ErrbackVars → softly\)`
}

func strictly(err error) (int, error) { return 0, err }

//cancelcheck:cancellable
func ErrbackVars(t *deferred.Task, soft bool) (int, error) {
	n, err := deferred.Await(t, deferred.New[int](nil).AddBoth(zeroOnErr))
	if err != nil {
		return 0, err
	}
	eb := strictly
	if soft {
		eb = softly
	}
	m, err := deferred.Await(t, deferred.New[int](nil).AddErrback(eb))
	return n + m, err
}
