// Package options shows a retry that cancelcheck does not see: the test
// that guards it is a function an options value holds, filled by each
// caller or defaulted by the helper, and a call of a function value the
// package cannot resolve counts as passing the error on.
package options

import (
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// RetryOptions configure Retry. Retryable defaults to retrying every
// error, cancellations included.
type RetryOptions struct {
	Attempts  int
	Retryable func(error) bool
}

func always(error) bool { return true }

// Retry calls f again while opts.Retryable says so: with the default, a
// cancelled request retries (a miss: the options value that holds the
// test comes from the caller).
func Retry[T any](t *deferred.Task, opts RetryOptions, f func(*deferred.Task) (T, error)) (T, error) {
	if opts.Retryable == nil {
		opts.Retryable = always
	}
	for i := 0; ; i++ {
		v, err := f(t)
		if err == nil || i+1 >= opts.Attempts || !opts.Retryable(err) {
			return v, err
		}
		if _, err := deferred.Await(t, deferred.Succeed(time.Millisecond)); err != nil {
			return v, err
		}
	}
}

func load(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.New[int](nil))
}

//cancelcheck:cancellable
func OnLoad(t *deferred.Task) (int, error) {
	return Retry(t, RetryOptions{Attempts: 3}, load)
}
