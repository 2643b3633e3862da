package deferred_test

// Firing a fired Deferred: Twisted's AlreadyCalledTests.

import (
	"errors"
	"strings"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func TestFiringTwicePanicsWithErrAlreadyCalled(t *testing.T) {
	callback := func(d *deferred.Deferred[string]) { d.Callback("hello") }
	errback := func(d *deferred.Deferred[string]) { d.Errback(errBoom) }
	tests := []struct {
		name          string
		first, second func(*deferred.Deferred[string])
		what          string
	}{
		{"CC", callback, callback, "Callback"},
		{"CE", callback, errback, "Errback"},
		{"EE", errback, errback, "Errback"},
		{"EC", errback, callback, "Callback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deferred.New[string](nil)
			d.AddCallbacks(func(v string) (string, error) { return v, nil }, func(error) (string, error) { return "", nil })
			tt.first(d)
			before, _, _ := d.Result()
			p := panicValue(func() { tt.second(d) })
			err, ok := p.(error)
			if !ok || !errors.Is(err, deferred.ErrAlreadyCalled) {
				t.Fatalf("second fire panicked with %v, want an error that Is ErrAlreadyCalled", p)
			}
			if !strings.Contains(err.Error(), tt.what) {
				t.Errorf("panic %q does not name %s", err, tt.what)
			}
			if after, _, _ := d.Result(); after != before {
				t.Errorf("result changed from %q to %q", before, after)
			}
		})
	}
}

func TestFiringSucceedOrFailPanics(t *testing.T) {
	f := deferred.Fail[int](errBoom)
	handle(f)
	for name, d := range map[string]*deferred.Deferred[int]{"Succeed": deferred.Succeed(1), "Fail": f} {
		if p := panicValue(func() { d.Callback(2) }); p == nil {
			t.Errorf("Callback on %s did not panic", name)
		}
	}
}

func TestErrbackWithNilPanicsAndLeavesTheDeferredUnfired(t *testing.T) {
	d := deferred.New[int](nil)
	if p := panicValue(func() { d.Errback(nil) }); p == nil {
		t.Fatal("Errback(nil) did not panic")
	}
	mustPend(t, d)
	d.Callback(1) // still usable
	mustSucceed(t, d)
}

// A Deferred that the runtime fires (Then's result) can still be fired by
// hand once, and the runtime's own fire then gives way.
func TestFiringABoundDeferredByHandWins(t *testing.T) {
	src := deferred.New[int](nil)
	r := deferred.Then(src, func(v int) (int, error) { return v, nil })
	r.Callback(7)
	src.Callback(1)
	if got := mustSucceed(t, r); got != 7 {
		t.Fatalf("got %d, want the value fired by hand", got)
	}
}
