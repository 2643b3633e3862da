package deferred

import (
	"errors"
	"fmt"
)

// ErrCancelled is the sentinel every cancellation matches:
// errors.Is(err, ErrCancelled) holds for every *CancelledError, however
// deeply it is wrapped (with %w, errors.Join or *FirstError).
var ErrCancelled = errors.New("deferred: cancelled")

// ErrGoexit is the failure of a callback, errback or async function that
// called runtime.Goexit (t.FailNow in a test, say) instead of returning:
// its goroutine exits, and the Deferred it was producing a result for fails
// with ErrGoexit. See Deferred and Run for what runs then, and where.
var ErrGoexit = errors.New("deferred: runtime.Goexit in a callback or an async function")

// ErrAlreadyCalled is what firing a fired Deferred panics with (wrapped in
// an error that names the Deferred's type): a Deferred has exactly one
// result.
var ErrAlreadyCalled = errors.New("deferred: already called")

// CancelledError is the error a cancelled Deferred fails with (Twisted's
// CancelledError). Reason, when set, says why the work was cancelled: a
// client disconnect, a timeout, a caller giving up.
//
// Cause, when set, is what went wrong while cancelling: a panic in the
// Deferred's canceller, as a *PanicError. The Deferred still fails with a
// *CancelledError, so that the cancellation travels up as one, and
// errors.As finds the panic behind it.
type CancelledError struct {
	Reason string
	Cause  error
}

func (e *CancelledError) Error() string {
	msg := "deferred: cancelled"
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns Cause.
func (e *CancelledError) Unwrap() error { return e.Cause }

// Is reports whether target is ErrCancelled, so that errors.Is sees every
// *CancelledError as a cancellation.
func (e *CancelledError) Is(target error) bool { return target == ErrCancelled }

// FirstError is Gather's failure: the input at Index failed first, with Err.
// Like Twisted's FirstError, it wraps: a cancellation inside it is still
// found by errors.Is(err, ErrCancelled), but not by err == ErrCancelled or a
// type assertion; UnwrapFirstError gives back Err.
type FirstError struct {
	Index int
	Err   error
}

func (e *FirstError) Error() string {
	return fmt.Sprintf("deferred: input %d failed first: %v", e.Index, e.Err)
}

func (e *FirstError) Unwrap() error { return e.Err }

// UnwrapFirstError returns the Err of the first *FirstError in err's chain
// (found with errors.As), else err itself; nil stays nil. It is the Go form
// of Twisted's unwrapFirstError errback.
func UnwrapFirstError(err error) error {
	var fe *FirstError
	if errors.As(err, &fe) {
		return fe.Err
	}
	return err
}

// PanicError is a panic recovered inside a callback, an errback or an async
// function, turned into a failure of the Deferred so that it travels down
// the chain like any other error (Twisted turns a raised exception into a
// Failure the same way).
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("deferred: panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error, so that errors.Is and
// errors.As see through a panic(err).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// alreadyCalledError is the panic value for a second fire.
type alreadyCalledError struct{ what string }

func (e *alreadyCalledError) Error() string {
	return "deferred: " + e.what + " on a Deferred that has already been called"
}

func (e *alreadyCalledError) Is(target error) bool { return target == ErrAlreadyCalled }
