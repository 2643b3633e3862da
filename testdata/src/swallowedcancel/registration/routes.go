package registration

import (
	"log"
	"net/http"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredhttp"
)

// A route table: method values kept in a field of a slice literal's
// elements, registered in a loop. Every route given to Cancellable is an
// entry point; the ones given to Handle are not.

type API struct {
	load func() *deferred.Deferred[int]
}

func (a *API) Count(t *deferred.Task, req *http.Request) (deferredhttp.Response, error) {
	n, err := deferred.Await(t, a.load())
	if err != nil { // want `the error from Await may be a cancellation.*\(call path: API.Count\)`
		log.Print(err)
		n = 0
	}
	return deferredhttp.JSON(http.StatusOK, n)
}

func (a *API) Stats(t *deferred.Task, req *http.Request) (deferredhttp.Response, error) {
	n, err := deferred.Await(t, a.load())
	if err != nil { // want `the error from Await may be a cancellation.*\(call path: API.Stats\)`
		log.Print(err)
	}
	return deferredhttp.JSON(http.StatusOK, n)
}

// Debug is registered with Handle: not cancellable.
func (a *API) Debug(t *deferred.Task, req *http.Request) (deferredhttp.Response, error) {
	n, err := deferred.Await(t, a.load())
	if err != nil {
		log.Print(err)
	}
	return deferredhttp.JSON(http.StatusOK, n)
}

func (a *API) Register(mux *http.ServeMux) {
	routes := []struct {
		pattern string
		handle  deferredhttp.Handler
	}{
		{"GET /count", a.Count},
		{"GET /stats", a.Stats},
	}
	for _, r := range routes {
		mux.Handle(r.pattern, deferredhttp.Cancellable(r.pattern, r.handle))
	}
	internal := map[string]deferredhttp.Handler{"/debug": a.Debug}
	for p, h := range internal {
		mux.Handle(p, deferredhttp.Handle(p, h))
	}
}
