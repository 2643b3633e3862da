// Package silent is correct code: every way of passing a cancellation on,
// or of handling only other errors, stays silent.
package silent

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/cancelcheck/cancelcheck/deferred"
)

var errNotFound = errors.New("not found")

type notFoundError struct{ key string }

func (e *notFoundError) Error() string { return e.key + " not found" }

func load(t *deferred.Task) (int, error) { return deferred.Await(t, deferred.New[int](nil)) }

//cancelcheck:cancellable
func Returns(t *deferred.Task) (int, error) {
	v, err := load(t)
	if err != nil {
		return 0, err
	}
	return v, nil
}

//cancelcheck:cancellable
func Wraps(t *deferred.Task) error {
	if _, err := load(t); err != nil {
		return fmt.Errorf("loading: %w", err)
	}
	if _, err := load(t); err != nil {
		return errors.Join(err, io.EOF)
	}
	return nil
}

//cancelcheck:cancellable
func ReRaises(t *deferred.Task) (int, error) {
	v, err := load(t)
	if err != nil {
		var ce *deferred.CancelledError
		if errors.As(err, &ce) {
			return 0, err
		}
		log.Print(err)
		return -1, nil
	}
	return v, nil
}

// OnlyOthers handles only errors that are not cancellations.
//
//cancelcheck:cancellable
func OnlyOthers(t *deferred.Task) (int, error) {
	v, err := load(t)
	switch {
	case errors.Is(err, errNotFound):
		return 0, nil
	case err == io.EOF:
		return 1, nil
	}
	var nf *notFoundError
	if errors.As(err, &nf) {
		return 2, nil
	}
	if _, ok := err.(*notFoundError); ok {
		return 3, nil
	}
	return v, err
}

// Fails the Deferred with it, or hands it to code that may pass it on.
//
//cancelcheck:cancellable
func HandsOn(t *deferred.Task, out *deferred.Deferred[int], errs chan<- error) error {
	if _, err := load(t); err != nil {
		out.Errback(err)
		return nil
	}
	if _, err := load(t); err != nil {
		errs <- err
		return nil
	}
	if _, err := load(t); err != nil {
		record(err)
		return nil
	}
	return nil
}

var record = func(error) {}

// Exits or panics: nothing goes on.
//
//cancelcheck:cancellable
func Ends(t *deferred.Task) int {
	v, err := load(t)
	if err != nil {
		log.Fatal(err)
	}
	w, err := load(t)
	if err != nil {
		panic(err)
	}
	if _, err := load(t); err != nil {
		os.Exit(1)
	}
	return v + w
}

// The returned error is another one: not swallowed (and not a normal
// return).
//
//cancelcheck:cancellable
func Converts(t *deferred.Task) error {
	if _, err := load(t); err != nil {
		return errNotFound
	}
	return nil
}

// A named result assigned before a plain return, and a deferred wrapper.
//
//cancelcheck:cancellable
func Named(t *deferred.Task) (n int, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("named: %w", err)
		}
	}()
	n, err = load(t)
	return
}

// Errbacks that re-raise first, or only handle other errors.
//
//cancelcheck:cancellable
func Errbacks(t *deferred.Task, d *deferred.Deferred[int]) (int, error) {
	d.AddErrback(func(err error) (int, error) {
		if errors.Is(err, deferred.ErrCancelled) {
			return 0, err
		}
		return -1, nil
	})
	d.AddErrback(func(err error) (int, error) {
		if errors.Is(err, errNotFound) {
			return 0, nil
		}
		return 0, err
	})
	d.AddBoth(func(v int, err error) (int, error) { return v + 1, err })
	return deferred.Await(t, d)
}

// A loop that collects errors passes them on.
//
//cancelcheck:cancellable
func Collects(t *deferred.Task, n int) error {
	var errs []error
	for i := 0; i < n; i++ {
		if _, err := load(t); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Goroutines leave the call tree: what they do is not followed.
//
//cancelcheck:cancellable
func Goroutine(t *deferred.Task) error {
	go func() {
		if _, err := load(t); err != nil {
			return
		}
	}()
	return nil
}

// A function started with RunAsBackgroundProcess-like detachment is not
// reached either; plain calls that never suspend are not sources.
//
//cancelcheck:cancellable
func Sync(t *deferred.Task) (int, error) {
	if err := check(); err != nil {
		log.Print(err)
	}
	return load(t)
}

func check() error { return errNotFound }

// A helper that tests right guards the re-raise.
func isCancelled(err error) bool { return errors.Is(err, deferred.ErrCancelled) }

//cancelcheck:cancellable
func ReraisesThroughHelper(t *deferred.Task) (int, error) {
	n, err := load(t)
	if err != nil {
		if isCancelled(err) {
			return 0, err
		}
		log.Printf("load: %v", err)
		return 0, nil
	}
	return n, nil
}
