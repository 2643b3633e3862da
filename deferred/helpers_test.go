package deferred_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// These helpers read a Deferred's current result the way Twisted's
// successResultOf, failureResultOf and assertNoResult do: without adding
// anything to its chain.

// mustSucceed returns d's value, failing the test if d has no result yet or
// failed.
func mustSucceed[T any](t testing.TB, d *deferred.Deferred[T]) T {
	t.Helper()
	v, err, ok := d.Result()
	if !ok {
		t.Fatalf("%T has no result yet, want a value", d)
	}
	if err != nil {
		t.Fatalf("%T failed with %v, want a value", d, err)
	}
	return v
}

// mustFail returns d's error, failing the test if d has no result yet or
// succeeded.
func mustFail[T any](t testing.TB, d *deferred.Deferred[T]) error {
	t.Helper()
	v, err, ok := d.Result()
	if !ok {
		t.Fatalf("%T has no result yet, want an error", d)
	}
	if err == nil {
		t.Fatalf("%T succeeded with %v, want an error", d, v)
	}
	return err
}

// mustBeCancelled fails the test unless d has failed with a *CancelledError
// (itself, not wrapped), and returns it.
func mustBeCancelled[T any](t testing.TB, d *deferred.Deferred[T]) *deferred.CancelledError {
	t.Helper()
	err := mustFail(t, d)
	ce, ok := err.(*deferred.CancelledError)
	if !ok {
		t.Fatalf("%T failed with %v (%T), want a *CancelledError", d, err, err)
	}
	return ce
}

// mustPend fails the test if d has a result (Twisted's assertNoResult: a
// Deferred whose chain waits on another one has none).
func mustPend[T any](t testing.TB, d *deferred.Deferred[T]) {
	t.Helper()
	if v, err, ok := d.Result(); ok {
		t.Fatalf("%T has a result (%v, %v), want none yet", d, v, err)
	}
}

// panicValue calls f and returns what it panicked with, or nil.
func panicValue(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

// handle adds an errback that handles d's failure, so that a test that
// leaves a failed Deferred behind does not report it as unhandled.
func handle[T any](d *deferred.Deferred[T]) {
	d.AddErrback(func(error) (T, error) {
		var zero T
		return zero, nil
	})
}

// errBoom and its kin are the failures the tests inject.
var (
	errBoom  = errors.New("boom")
	errOther = errors.New("other")
)

// record collects what callbacks saw, in order; it is safe for concurrent
// use.
type record struct {
	mu   sync.Mutex
	seen []string
}

func (r *record) add(s string) {
	r.mu.Lock()
	r.seen = append(r.seen, s)
	r.mu.Unlock()
}

func (r *record) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

// unhandledReports installs an unhandled-failure hook for the duration of
// the test and returns a function that forces the check
// (deferred.ReportUnhandled) and returns the errors reported since the hook
// was installed. Other tests' dropped Deferreds may be reported too, so
// callers look for their own errors only.
func unhandledReports(t *testing.T) func() []error {
	t.Helper()
	var mu sync.Mutex
	var got []error
	prev := deferred.SetUnhandledHook(func(u deferred.UnhandledError) {
		mu.Lock()
		got = append(got, u.Err)
		mu.Unlock()
	})
	t.Cleanup(func() { deferred.SetUnhandledHook(prev) })
	return func() []error {
		deferred.ReportUnhandled()
		mu.Lock()
		defer mu.Unlock()
		return append([]error(nil), got...)
	}
}

// countIs counts the errors in errs that are target (errors.Is).
func countIs(errs []error, target error) int {
	n := 0
	for _, err := range errs {
		if errors.Is(err, target) {
			n++
		}
	}
	return n
}
