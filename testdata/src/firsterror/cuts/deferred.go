package cuts

import "fmt"

import "github.com/cancelcheck/cancelcheck/deferred"

// annotate prefixes err with op, formatting it with %s: a cut.
func annotate(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %s", op, err)
}

// annotateW wraps it.
func annotateW(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

// A deferred closure that replaces the error result with a cut of it
// decides what the function returns, whatever its return statements said.
//
//cancelcheck:cancellable
func Restock(t *deferred.Task) (n int, err error) {
	defer func() { err = annotate("restock", err) }() // want `annotate, which cuts it with fmt.Errorf with %s, makes a new error that no longer holds a possible cancellation.*the deferred function replaces the error result with it`
	if n, err = load(t); err != nil {
		return 0, err
	}
	return n, nil
}

// The same with a helper that wraps: silent.
//
//cancelcheck:cancellable
func RestockW(t *deferred.Task) (n int, err error) {
	defer func() { err = annotateW("restock", err) }()
	if n, err = load(t); err != nil {
		return 0, err
	}
	return n, nil
}

// A closure that formats the result with %v in place.
//
//cancelcheck:cancellable
func Reload(t *deferred.Task) (n int, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("reload: %v", err) // want `fmt.Errorf with %v makes a new error that no longer holds a possible cancellation.*the deferred function replaces the error result with it`
		}
	}()
	return load(t)
}
