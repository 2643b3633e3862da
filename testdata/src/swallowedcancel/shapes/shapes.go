// Package shapes has swallowed cancellations in methods, closures,
// generic functions, loops, deferred calls and recovering functions.
package shapes

import (
	"errors"
	"fmt"
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

type Room struct {
	members func() *deferred.Deferred[[]string] // starts a load for each caller
}

// Methods: the entry point is a method; the problem is in another one.
//
//cancelcheck:cancellable
func (r *Room) OnGet(t *deferred.Task) ([]string, error) {
	return r.load(t)
}

func (r *Room) load(t *deferred.Task) ([]string, error) {
	m, err := deferred.Await(t, r.members())
	if err != nil { // want `the error from Await may be a cancellation.*\(call path: Room.OnGet → Room.load\)`
		return nil, nil
	}
	return m, nil
}

// Closures: a literal called directly, one started with Run and awaited,
// and one that is only stored (never run: not in the call tree).
//
//cancelcheck:cancellable
func Closures(t *deferred.Task) error {
	get := func() string {
		v, err := deferred.Await(t, deferred.New[string](nil))
		if err != nil { // want `may be a cancellation.*the function returns normally.*\(call path: Closures → Closures.func1\)`
			return ""
		}
		return v
	}
	_ = get()
	d := deferred.Run(func(t *deferred.Task) (int, error) {
		_, err := deferred.Await(t, deferred.New[int](nil))
		if err != nil { // want `\(call path: Closures → Closures.func2\)`
			log.Print(err)
		}
		return 1, nil
	})
	if _, err := deferred.Await(t, d); err != nil {
		return fmt.Errorf("closures: %w", err)
	}
	return nil
}

// Generic functions are summarised once, through their origin.
func first[T any](t *deferred.Task, d *deferred.Deferred[T]) T {
	v, _ := deferred.Await(t, d) // want `the error from Await is discarded.*\(call path: Generic → first\)`
	return v
}

//cancelcheck:cancellable
func Generic(t *deferred.Task) int {
	return first(t, deferred.New[int](nil)) + len(first(t, deferred.New[string](nil)))
}

// Loops: a retry loop, a loop that continues, and a loop that keeps the
// last error only to retry with it.
//
//cancelcheck:cancellable
func Retry(t *deferred.Task) (int, error) {
	for {
		v, err := deferred.Await(t, deferred.New[int](nil))
		if err == nil { // want `may be a cancellation, and it is dropped; .*: the loop goes round and waits again`
			return v, nil
		}
		log.Printf("retrying: %v", err)
	}
}

//cancelcheck:cancellable
func Continue(t *deferred.Task, ds []*deferred.Deferred[int]) (int, error) {
	sum := 0
	for _, d := range ds {
		v, err := deferred.Await(t, d)
		if err != nil { // want `the loop goes round and waits again`
			continue
		}
		sum += v
	}
	return sum, nil
}

//cancelcheck:cancellable
func LastError(t *deferred.Task) error {
	var last error
	for i := 0; i < 3; i++ {
		_, err := deferred.Await(t, deferred.New[int](nil))
		if err == nil { // want `the loop goes round and waits again`
			return nil
		}
		last = err
	}
	return last
}

// Fallthrough: the error is dropped and the function waits again.
//
//cancelcheck:cancellable
func FallThrough(t *deferred.Task) (int, error) {
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function goes on to wait again`
		log.Print(err)
	}
	return deferred.Await(t, deferred.New[int](nil))
}

// Defer: a deferred call that wraps the named result passes it on; one
// that only logs does not.
//
//cancelcheck:cancellable
func DeferWraps(t *deferred.Task) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("defer: %w", err)
		}
	}()
	_, err = deferred.Await(t, deferred.New[int](nil))
	return err
}

//cancelcheck:cancellable
func DeferLogs(t *deferred.Task) (n int, err error) {
	defer log.Print("done")
	n, err = deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function returns a nil error`
		return 0, nil
	}
	return n, nil
}

// Recover: a function that recovers panics still swallows here.
//
//cancelcheck:cancellable
func Recovers(t *deferred.Task) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	v, aerr := deferred.Await(t, deferred.New[int](nil))
	if aerr != nil { // want `the function returns a nil error`
		return -1, nil
	}
	return v, nil
}

// Errbacks that recover every failure, and one that re-raises first.
//
//cancelcheck:cancellable
func Errbacks(t *deferred.Task) (int, error) {
	d := deferred.New[int](nil)
	d.AddErrback(func(err error) (int, error) {
		log.Print(err)
		return 0, nil // want `the failure passed to this errback may be a cancellation.*the errback returns a nil error.*\(call path: Errbacks → Errbacks.func1\)`
	})
	d.AddBoth(func(v int, err error) (int, error) {
		if err != nil && !errors.Is(err, deferred.ErrCancelled) {
			return 0, nil
		}
		return v, err
	})
	d.AddCallbacks(nil, recoverAll)
	var h handler
	d.AddErrback(h.recover)
	return deferred.Await(t, d)
}

type handler struct{ failures int }

// A method value as errback: its failure parameter follows the receiver.
func (h *handler) recover(err error) (int, error) {
	h.failures++
	return 0, nil // want `the failure passed to this errback.*\(call path: Errbacks → handler.recover\)`
}

func recoverAll(err error) (int, error) {
	if err != nil { // want `the failure passed to this errback.*\(call path: Errbacks → recoverAll\)`
		return -1, nil
	}
	return 0, nil
}

// Blank: the error of a suspending call is discarded.
//
//cancelcheck:cancellable
func Blank(t *deferred.Task) int {
	v, _ := deferred.Await(t, deferred.New[int](nil)) // want `the error from Await is discarded, and it may be a cancellation; .*: the function returns normally`
	return v
}

// A logging helper only reads the error: handing it a cancellation does
// not pass it on.
func logFailure(what string, err error) {
	log.Printf("%s: %v", what, err)
}

type logger struct{}

func (logger) warn(err error) { log.Print(err) }

//cancelcheck:cancellable
func Helper(t *deferred.Task) (int, error) {
	v, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function returns a nil error.*\(call path: Helper\)`
		logFailure("load", err)
		return 0, nil
	}
	w, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function returns a nil error.*\(call path: Helper\)`
		logger{}.warn(err)
		return v, nil
	}
	return v + w, nil
}

// Returning the error of another call (usually nil) goes on normally;
// returning a failure converts the cancellation into another error, which
// is not this rule's.
func answer(v int) (int, error) { return v, nil }

var errUnavailable = errors.New("unavailable")

//cancelcheck:cancellable
func OrDefault(t *deferred.Task) (int, error) {
	v, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `the function returns as if it had succeeded \(its error result is not the cancellation\)`
		log.Print(err)
		return answer(0)
	}
	if _, err := deferred.Await(t, deferred.New[int](nil)); err != nil {
		return 0, errUnavailable
	}
	if _, err := deferred.Await(t, deferred.New[int](nil)); err != nil {
		return 0, fmt.Errorf("unavailable")
	}
	if _, err := deferred.Await(t, deferred.New[int](nil)); err != nil {
		return 0, unavailable()
	}
	return answer(v)
}

func unavailable() error { return &unavailableError{} }

type unavailableError struct{}

func (*unavailableError) Error() string { return "unavailable" }

// A deferred function that clears the named error result: the function
// returns nil, also for a cancellation.
//
//cancelcheck:cancellable
func DeferClears(t *deferred.Task) (n int, err error) {
	defer func() {
		if err != nil {
			log.Printf("load: %v", err)
			err = nil // want `the deferred function sets the error result to nil, also when it is a cancellation.*\(call path: DeferClears\)`
		}
	}()
	return deferred.Await(t, deferred.New[int](nil))
}

// One that re-raises a cancellation and clears the rest.
//
//cancelcheck:cancellable
func DeferReraises(t *deferred.Task) (n int, err error) {
	defer func() {
		if err != nil && !errors.Is(err, deferred.ErrCancelled) {
			err = nil
		}
	}()
	return deferred.Await(t, deferred.New[int](nil))
}

// A List succeeds with its inputs' cancellations in its results: skipping
// the failed ones swallows them.
//
//cancelcheck:cancellable
func ListResults(t *deferred.Task, ds []*deferred.Deferred[int]) (int, error) {
	res, err := deferred.Await(t, deferred.List(ds, deferred.ListOptions{}))
	if err != nil {
		return 0, err
	}
	sum := 0
	for _, r := range res {
		if r.Err != nil { // want `the error from a List result may be a cancellation, and it is dropped.*\(call path: ListResults\)`
			log.Printf("input: %v", r.Err)
			continue
		}
		sum += r.Value
	}
	return sum, nil
}

// The same, re-raising the cancellations.
//
//cancelcheck:cancellable
func ListResultsReraised(t *deferred.Task, ds []*deferred.Deferred[int]) (int, error) {
	res, err := deferred.Await(t, deferred.List(ds, deferred.ListOptions{}))
	if err != nil {
		return 0, err
	}
	sum := 0
	for _, r := range res {
		if errors.Is(r.Err, deferred.ErrCancelled) {
			return 0, r.Err
		}
		if r.Err == nil {
			sum += r.Value
		}
	}
	return sum, nil
}
