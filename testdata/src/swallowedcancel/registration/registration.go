// Package registration makes entry points by registration: functions
// passed to a function marked //cancelcheck:marks-cancellable, here the
// real HTTP adapter's deferredhttp.Cancellable, one of this package, and
// one of another package. Functions registered as not cancellable
// (deferredhttp.Handle) are not entry points.
package registration

import (
	"log"
	"net/http"

	"swallowedcancel/crosslib"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredhttp"
)

type Rooms struct {
	topic func() *deferred.Deferred[string]
} // a load per caller

func (r *Rooms) OnGet(t *deferred.Task, req *http.Request) (deferredhttp.Response, error) {
	topic, err := deferred.Await(t, r.topic())
	if err != nil { // want `the error from Await may be a cancellation.*\(call path: Rooms.OnGet\)`
		log.Print(err)
		return deferredhttp.Response{Status: http.StatusOK}, nil
	}
	return deferredhttp.JSON(http.StatusOK, topic)
}

// OnPost is registered with Handle only: not cancellable, not reported.
func (r *Rooms) OnPost(t *deferred.Task, req *http.Request) (deferredhttp.Response, error) {
	_, err := deferred.Await(t, r.topic())
	if err != nil {
		return deferredhttp.Response{Status: http.StatusAccepted}, nil
	}
	return deferredhttp.Response{Status: http.StatusOK}, nil
}

func health(t *deferred.Task, req *http.Request) (deferredhttp.Response, error) {
	_, _ = deferred.Await(t, deferred.New[int](nil)) // want `the error from Await is discarded.*\(call path: health\)`
	return deferredhttp.Response{Status: http.StatusNoContent}, nil
}

// every marks what it is given, variadically.
//
//cancelcheck:marks-cancellable
func every(hs ...func(*deferred.Task) error) {}

func Routes(r *Rooms, mux *http.ServeMux) {
	mux.Handle("GET /rooms", deferredhttp.Cancellable("rooms", r.OnGet))
	mux.Handle("POST /rooms", deferredhttp.Handle("rooms", r.OnPost))
	mux.Handle("GET /health", deferredhttp.Cancellable("health", health))
	mux.Handle("GET /members", deferredhttp.Cancellable("members", func(t *deferred.Task, req *http.Request) (deferredhttp.Response, error) {
		v, err := deferred.Await(t, deferred.New[int](nil))
		if err != nil { // want `\(call path: Routes.func1\)`
			return deferredhttp.Response{Status: http.StatusOK}, nil
		}
		return deferredhttp.JSON(http.StatusOK, v)
	}))
	every(func(t *deferred.Task) error {
		crosslib.Fetch(t, nil) // want `in crosslib.Fetch at swallowedcancel/crosslib/crosslib.go:15: .*\(call path: Routes.func2 → crosslib.Fetch\)`
		return nil
	})
	crosslib.Register("sync", sync)
}

func sync(t *deferred.Task) error {
	_, err := crosslib.Load(t, nil)
	if err != nil { // want `the error from crosslib.Load .*\(call path: sync\)`
		return nil
	}
	return nil
}

// Registered in a package-level variable's initialiser.
var _ = deferredhttp.Cancellable("init", func(t *deferred.Task, req *http.Request) (deferredhttp.Response, error) {
	_, err := deferred.Await(t, deferred.New[int](nil))
	if err != nil { // want `\(call path: init.func1\)`
		log.Print(err)
	}
	return deferredhttp.Response{}, nil
})
