// Package api holds the entry points, over the service; it never sees
// package store.
package api

import (
	"github.com/cancelcheck/cancelcheck/deferred"

	"swallowedcancel/layered/service"
)

type API struct{ Rooms *service.Rooms }

//cancelcheck:cancellable
func (a *API) OnGet(t *deferred.Task, id string) (string, error) {
	return a.Rooms.Name(t, id)
}
