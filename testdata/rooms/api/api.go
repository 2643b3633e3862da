// Package api serves rooms over HTTP with cancellable handlers.
package api

import (
	"log"
	"net/http"

	"example.com/rooms/store"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredhttp"
)

// API is the rooms API.
type API struct{ Store *store.Store }

// Routes registers the handlers; Cancellable makes them entry points.
func (a *API) Routes(mux *http.ServeMux) {
	mux.Handle("GET /room", deferredhttp.Cancellable("room", a.OnGetRoom))
	mux.Handle("GET /members", deferredhttp.Cancellable("members", a.OnGetMembers))
	mux.Handle("GET /name", deferredhttp.Cancellable("name", a.OnGetName))
}

// OnGetName answers with the room's name.
func (a *API) OnGetName(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	name, err := a.Store.RoomName(t, r.URL.Query().Get("room"))
	if err != nil {
		return deferredhttp.Response{}, err
	}
	return deferredhttp.JSON(http.StatusOK, name)
}

// OnGetRoom answers with the room's topic.
func (a *API) OnGetRoom(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	room := r.URL.Query().Get("room")
	return deferredhttp.JSON(http.StatusOK, a.Store.RoomTopic(t, room))
}

// OnGetMembers answers with the members of the rooms asked for.
func (a *API) OnGetMembers(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	members, err := a.Store.RoomMembers(t, r.URL.Query()["room"])
	if err != nil {
		if err == deferred.ErrCancelled {
			return deferredhttp.Response{}, err
		}
		log.Printf("members: %v", err)
		return deferredhttp.JSON(http.StatusOK, []string{})
	}
	return deferredhttp.JSON(http.StatusOK, members)
}
