package deferred_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func TestCancelledErrorMessage(t *testing.T) {
	tests := []struct {
		err  *deferred.CancelledError
		want string
	}{
		{&deferred.CancelledError{}, "deferred: cancelled"},
		{&deferred.CancelledError{Reason: "timeout"}, "deferred: cancelled: timeout"},
		{&deferred.CancelledError{Reason: "r", Cause: errBoom}, "deferred: cancelled: r: boom"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestFirstErrorWrapsItsErr(t *testing.T) {
	fe := &deferred.FirstError{Index: 3, Err: errBoom}
	if got, want := fe.Error(), "deferred: input 3 failed first: boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(fe, errBoom) || errors.Unwrap(fe) != errBoom {
		t.Error("FirstError does not unwrap to its Err")
	}
}

func TestUnwrapFirstError(t *testing.T) {
	cancelled := &deferred.CancelledError{}
	inner := &deferred.FirstError{Index: 0, Err: cancelled}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"nil stays nil", nil, nil},
		{"plain error stays", errBoom, errBoom},
		{"FirstError", &deferred.FirstError{Index: 1, Err: cancelled}, cancelled},
		{"wrapped with %w", fmt.Errorf("gather: %w", &deferred.FirstError{Err: errBoom}), errBoom},
		{"in a Join", errors.Join(errOther, &deferred.FirstError{Err: errBoom}), errBoom},
		{"nested: the outermost one", &deferred.FirstError{Index: 2, Err: inner}, inner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := deferred.UnwrapFirstError(tt.err); got != tt.want {
				t.Fatalf("UnwrapFirstError(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestPanicError(t *testing.T) {
	pe := &deferred.PanicError{Value: "oops"}
	if got, want := pe.Error(), "deferred: panic: oops"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if pe.Unwrap() != nil {
		t.Error("a non-error panic value unwraps to something")
	}
	if !errors.Is(&deferred.PanicError{Value: errBoom}, errBoom) {
		t.Error("an error panic value is not found by errors.Is")
	}
}
