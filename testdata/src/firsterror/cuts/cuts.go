// Package cuts formats cancellations into new errors that no longer hold
// them, and wraps them right.
package cuts

import (
	"errors"
	"fmt"
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func load(t *deferred.Task) (int, error) { return deferred.Await(t, deferred.New[int](nil)) }

//cancelcheck:cancellable
func Verbs(t *deferred.Task) error {
	if _, err := load(t); err != nil {
		return fmt.Errorf("loading: %v", err) // want `firsterror: fmt.Errorf with %v makes a new error that no longer holds a possible cancellation.*use %w: .*\(call path: Verbs\)`
	}
	if _, err := load(t); err != nil {
		return fmt.Errorf("loading %d: %s", 2, err) // want `fmt.Errorf with %s makes a new error`
	}
	if _, err := load(t); err != nil {
		return fmt.Errorf("loading %q", err) // want `fmt.Errorf with %q makes a new error`
	}
	return nil
}

//cancelcheck:cancellable
func Text(t *deferred.Task, out *deferred.Deferred[int]) error {
	if _, err := load(t); err != nil {
		return errors.New(err.Error()) // want `errors.New\(err.Error\(\)\) makes a new error.*return err itself`
	}
	if _, err := load(t); err != nil {
		out.Errback(errors.New(fmt.Sprintf("load: %v", err))) // want `errors.New\(err.Error\(\)\) makes a new error`
		return nil
	}
	return nil
}

// Right: %w keeps the chain; a %v that is only logged passes nothing on;
// formatting an error that cannot be a cancellation is fine.
//
//cancelcheck:cancellable
func Right(t *deferred.Task) error {
	if _, err := load(t); err != nil {
		log.Print(fmt.Errorf("loading: %v", err))
		return fmt.Errorf("loading: %w", err)
	}
	if err := check(); err != nil {
		return fmt.Errorf("check: %v", err)
	}
	return nil
}

func check() error { return nil }

// Failures collected into an aggregate without Unwrap: cut (this rule's),
// and passed on (swallowedcancel is silent).
type failures []error

func (f failures) Error() string { return fmt.Sprint([]error(f)) }

//cancelcheck:cancellable
func CollectsIntoAggregate(t *deferred.Task, n int) error {
	var errs failures
	for i := 0; i < n; i++ {
		if _, err := load(t); err != nil {
			errs = append(errs, err) // want `the error type failures, which has no Unwrap or Is method, makes a new error`
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Failures kept in a map by index, inside an error type without Unwrap:
// cut. The twin keeps the Unwrap.
type batchError struct {
	total  int
	failed map[int]error
}

func (e *batchError) Error() string { return fmt.Sprintf("%d of %d failed", len(e.failed), e.total) }

type keptBatch struct{ failed map[int]error }

func (e *keptBatch) Error() string { return fmt.Sprint(len(e.failed), " failed") }

func (e *keptBatch) Unwrap() []error {
	var out []error
	for _, err := range e.failed {
		out = append(out, err)
	}
	return out
}

//cancelcheck:cancellable
func CollectsIntoMap(t *deferred.Task, n int) error {
	failed := map[int]error{}
	for i := 0; i < n; i++ {
		if _, err := load(t); err != nil {
			failed[i] = err // want `the error type \*batchError, which has no Unwrap or Is method, makes a new error`
		}
	}
	if len(failed) > 0 {
		return &batchError{total: n, failed: failed}
	}
	return nil
}

//cancelcheck:cancellable
func CollectsIntoKeptMap(t *deferred.Task, n int) error {
	failed := map[int]error{}
	for i := 0; i < n; i++ {
		if _, err := load(t); err != nil {
			failed[i] = err
		}
	}
	if len(failed) > 0 {
		return &keptBatch{failed: failed}
	}
	return nil
}
