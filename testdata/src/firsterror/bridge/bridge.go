// Package bridge checks the error of deferred.Wait, plain Go code's wait
// for a Deferred: a cancellation when its context ends.
package bridge

import (
	"context"
	"errors"
	"net/http"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func room(id string) *deferred.Deferred[string] { return deferred.New[string](nil) }

func Handler(w http.ResponseWriter, r *http.Request) {
	name, err := deferred.Wait(r.Context(), room(r.FormValue("id")))
	if err == deferred.ErrCancelled { // want `== deferred.ErrCancelled is never true for a cancellation`
		return
	}
	if errors.Is(err, deferred.ErrCancelled) {
		return
	}
	_, _ = w.Write([]byte(name))
}

var _ = context.Background
