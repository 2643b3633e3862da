// Package factsdep is imported by package facts. // want package:"uses-runtime"
package factsdep

import "github.com/cancelcheck/cancelcheck/deferred"

// Load suspends and returns what Await returns.
func Load(t *deferred.Task, d *deferred.Deferred[string]) (string, error) { // want Load:"suspends result1=cancel" Load:"waits for params \\[1\\] on every path" Load:"cancels params \\[1\\]"
	return deferred.Await(t, d)
}

// All returns a Deferred whose failure is a *FirstError.
func All(ds []*deferred.Deferred[int]) *deferred.Deferred[[]int] { // want All:"result0=firsterror" All:"result0 passes param0"
	return deferred.Gather(ds, true)
}

// Register marks every function passed to it as an entry point.
//
//cancelcheck:marks-cancellable
func Register(name string, h func(*deferred.Task) (string, error)) *deferred.Deferred[string] { // want Register:"marks-cancellable runs\\[1\\]"
	return deferred.Run(h)
}

// Plain neither suspends nor returns anything that matters: no fact.
func Plain(s string) string { return s + "!" }
