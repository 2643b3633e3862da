package paramcalls

import (
	"errors"

	"github.com/cancelcheck/cancelcheck/deferred"
)

type Item struct{ Name string }

// Fallback answers with f(err) whenever d fails: after a cancellation too.
// What f does with the failure does not matter: it returns no error, and
// the errback's nil error recovers the chain.
func Fallback[T any](d *deferred.Deferred[T], f func(error) T) *deferred.Deferred[T] {
	return d.AddErrback(func(err error) (T, error) {
		return f(err), nil // want `the failure passed to this errback may be a cancellation, and it is dropped.*\(call path: OnItem → Fallback → Fallback.func1\)`
	})
}

// FallbackSafe lets a cancellation through first.
func FallbackSafe[T any](d *deferred.Deferred[T], f func(error) T) *deferred.Deferred[T] {
	return d.AddErrback(func(err error) (T, error) {
		if errors.Is(err, deferred.ErrCancelled) {
			var zero T
			return zero, err
		}
		return f(err), nil
	})
}

// Recover hands the failure to f, which decides: f may re-raise it.
func Recover[T any](d *deferred.Deferred[T], f func(error) (T, error)) *deferred.Deferred[T] {
	return d.AddErrback(func(err error) (T, error) {
		return f(err)
	})
}

func loadItem(t *deferred.Task, id string) *deferred.Deferred[Item] {
	return deferred.Run(func(t *deferred.Task) (Item, error) {
		return deferred.Await(t, deferred.New[Item](nil))
	})
}

func unknown(error) Item { return Item{Name: "unknown"} }

//cancelcheck:cancellable
func OnItem(t *deferred.Task, id string) (Item, error) {
	return deferred.Await(t, Fallback(loadItem(t, id), unknown))
}

//cancelcheck:cancellable
func OnItemSafe(t *deferred.Task, id string) (Item, error) {
	return deferred.Await(t, FallbackSafe(loadItem(t, id), unknown))
}

//cancelcheck:cancellable
func OnItemRecover(t *deferred.Task, id string) (Item, error) {
	return deferred.Await(t, Recover(loadItem(t, id), func(err error) (Item, error) {
		if errors.Is(err, deferred.ErrCancelled) {
			return Item{}, err
		}
		return unknown(err), nil
	}))
}
