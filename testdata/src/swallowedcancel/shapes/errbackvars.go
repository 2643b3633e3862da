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

// Errbacks looked up in a map of functions, kept in a package variable or
// made here: each function put into the map may be the errback.
var fallbacks = map[string]func(error) (int, error){
	"price": func(err error) (int, error) {
		return -1, nil // want `the failure passed to this errback may be a cancellation.*\(call path: ErrbackMaps → fallbacks\["price"\]\)`
	},
	"stock": strictly,
}

//cancelcheck:cancellable
func ErrbackMaps(t *deferred.Task, kind string) (int, error) {
	n, err := deferred.Await(t, deferred.New[int](nil).AddErrback(fallbacks[kind]))
	if err != nil {
		return 0, err
	}
	local := map[string]func(error) (int, error){"soft": softly, "strict": strictly}
	if eb, ok := local[kind]; ok {
		return deferred.Await(t, deferred.New[int](nil).AddErrback(eb))
	}
	return n, nil
}

// Good: a map of errbacks that all pass the failure on.
var strictFallbacks = map[string]func(error) (int, error){"a": strictly, "b": strictly}

//cancelcheck:cancellable
func ErrbackMapsStrict(t *deferred.Task, kind string) (int, error) {
	return deferred.Await(t, deferred.New[int](nil).AddErrback(strictFallbacks[kind]))
}
