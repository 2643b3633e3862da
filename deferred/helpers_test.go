package deferred_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// The helpers the tests share, one per job.

// --- reading a result, as Twisted's successResultOf, failureResultOf and
// assertNoResult do: without adding anything to the chain, so without
// handling a failure ---

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

// waitResult waits, in real time (up to a generous limit), for d to fire on
// any goroutine, and returns its result.
func waitResult[T any](t testing.TB, d *deferred.Deferred[T]) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	d.AddBoth(func(v T, err error) (T, error) {
		ch <- result{v, err}
		return v, err
	})
	select {
	case r := <-ch:
		return r.v, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("%T did not fire within 10s", d)
		panic("unreachable")
	}
}

// --- handling failures, so that a test that leaves a failed Deferred
// behind does not have it reported as unhandled (in a later test) ---

// handle adds an errback that recovers from d's failure, if any.
func handle[T any](d *deferred.Deferred[T]) {
	d.AddErrback(func(error) (T, error) {
		var zero T
		return zero, nil
	})
}

// handleAtEnd handles d's failure, if any, when the test ends, so that the
// test can read d's result until then.
func handleAtEnd[T any](t testing.TB, d *deferred.Deferred[T]) {
	t.Cleanup(func() { handle(d) })
}

// --- unhandled-failure reports ---

// unhandledReports installs an unhandled-failure hook for the duration of
// the test and returns a function that forces the check
// (deferred.ReportUnhandled) and returns the reports made since the hook
// was installed or since its previous call. Other tests' dropped Deferreds
// may be reported too, so callers look for their own errors (countIs) or
// Deferred types (errorsOf) only.
func unhandledReports(t *testing.T) func() []deferred.UnhandledError {
	t.Helper()
	var mu sync.Mutex
	var got []deferred.UnhandledError
	prev := deferred.SetUnhandledHook(func(u deferred.UnhandledError) {
		mu.Lock()
		got = append(got, u)
		mu.Unlock()
	})
	t.Cleanup(func() { deferred.SetUnhandledHook(prev) })
	return func() []deferred.UnhandledError {
		deferred.ReportUnhandled()
		mu.Lock()
		defer mu.Unlock()
		us := got
		got = nil
		return us
	}
}

// countIs counts the reports whose error is target (errors.Is).
func countIs(us []deferred.UnhandledError, target error) int {
	n := 0
	for _, u := range us {
		if errors.Is(u.Err, target) {
			n++
		}
	}
	return n
}

// errorsOf returns the errors of the reports about a *Deferred[T]: tests
// that give their Deferreds a type of their own see only their own.
func errorsOf[T any](us []deferred.UnhandledError) []error {
	typ := fmt.Sprintf("%T", (*deferred.Deferred[T])(nil))
	var errs []error
	for _, u := range us {
		if u.Type == typ {
			errs = append(errs, u.Err)
		}
	}
	return errs
}

// --- user code for the tests ---

// errBoom and its kin are the failures the tests inject.
var (
	errBoom  = errors.New("boom")
	errOther = errors.New("other")
)

// panicValue calls f and returns what it panicked with, or nil.
func panicValue(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

// countingCanceller returns a canceller that counts its calls in n, and
// then does what then does (nothing if nil).
func countingCanceller[T any](n *int, then func(*deferred.Deferred[T])) func(*deferred.Deferred[T]) {
	return func(d *deferred.Deferred[T]) {
		*n++
		if then != nil {
			then(d)
		}
	}
}

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

// goroutineID returns the id of the calling goroutine, as runtime.Stack
// prints it, for tests of which goroutine runs what.
func goroutineID() uint64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	id, err := strconv.ParseUint(string(buf[:bytes.IndexByte(buf, ' ')]), 10, 64)
	if err != nil {
		panic("goroutineID: " + err.Error())
	}
	return id
}
