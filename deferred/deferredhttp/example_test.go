package deferredhttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredhttp"
)

// A cancellable endpoint: if the client disconnects while the handler
// waits, the wait is cancelled and the *CancelledError comes back out of
// Await, so returning the error is all the handler has to do.
func ExampleCancellable() {
	mux := http.NewServeMux()
	mux.Handle("GET /rooms/{id}", deferredhttp.Cancellable("GetRoom",
		func(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
			// Stands for a database query or a call to another server.
			if _, err := deferred.Await(t, deferred.Sleep(nil, time.Millisecond)); err != nil {
				return deferredhttp.Response{}, err
			}
			id := r.PathValue("id")
			if id != "1" {
				return deferredhttp.Response{}, &deferredhttp.Error{Status: http.StatusNotFound, Message: "no such room"}
			}
			return deferredhttp.JSON(http.StatusOK, map[string]string{"room": id})
		}))
	server := httptest.NewServer(mux)
	defer server.Close()

	for _, path := range []string{"/rooms/1", "/rooms/2"} {
		resp, err := http.Get(server.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	// Output:
	// 200 {"room":"1"}
	// 404 {"error":"no such room"}
}
