// Package web serves feeds over HTTP. Its handlers are methods, and
// deferredhttp.Cancellable, which they are registered with, makes them
// entry points.
package web

import (
	"log"
	"net/http"

	"example.com/feeds/store"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredhttp"
)

// API is the feeds API.
type API struct{ Store *store.Store }

// Routes registers the handlers.
func (a *API) Routes(mux *http.ServeMux) {
	mux.Handle("GET /title", deferredhttp.Cancellable("title", a.OnGetTitle))
	mux.Handle("GET /authors", deferredhttp.Cancellable("authors", a.OnGetAuthors))
	mux.Handle("GET /link", deferredhttp.Cancellable("link", a.OnGetLink))
}

// OnGetLink answers with the feed's link.
func (a *API) OnGetLink(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	link, err := a.Store.Link(t, r.URL.Query().Get("feed"))
	if err != nil {
		return deferredhttp.Response{}, err
	}
	return deferredhttp.JSON(http.StatusOK, link)
}

// OnGetTitle answers with the feed's title.
func (a *API) OnGetTitle(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	feed := r.URL.Query().Get("feed")
	return deferredhttp.JSON(http.StatusOK, a.Store.Title(t, feed))
}

// OnGetAuthors answers with the authors of the feeds asked for, or none
// unless the request was cancelled; == never sees the cancellation.
func (a *API) OnGetAuthors(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	authors, err := a.Store.Authors(t, r.URL.Query()["feed"])
	if err != nil {
		if err == deferred.ErrCancelled {
			return deferredhttp.Response{}, err
		}
		log.Printf("authors: %v", err)
		return deferredhttp.JSON(http.StatusOK, []string{})
	}
	return deferredhttp.JSON(http.StatusOK, authors)
}
