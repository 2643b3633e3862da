package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/examples/chat/rooms"
	"github.com/cancelcheck/cancelcheck/examples/chat/server"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

// TestRoutes serves the API over loopback, on real time, and goes through
// its endpoints in order: a search builds the room's index, a message sent
// afterwards is indexed in the background, and the next search finds it.
func TestRoutes(t *testing.T) {
	quietLogs(t)
	srv := server.New(rooms.New(store.Demo(deferred.RealClock{}, time.Millisecond)))
	mux := http.NewServeMux()
	srv.Routes(mux)
	ts := httptest.NewServer(mux)
	defer ts.Close()

	for _, tc := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/rooms/!lobby", "", 200, `{"id":"!lobby","name":"Lobby","topic":"Say hello"}`},
		{"GET", "/rooms/!nowhere", "", 404, `{"error":"not found"}`},
		{"GET", "/rooms/!dev/members", "", 200, `[{"user_id":"@alice","display_name":"Alice"},{"user_id":"@bob","display_name":"Bob"}]`},
		{"GET", "/rooms/!nowhere/members", "", 404, `{"error":"not found"}`},
		{"GET", "/rooms/!dev/messages", "", 200, `{"messages":[{"seq":1,"sender":"@bob","body":"the harness found a swallowed cancellation"},{"seq":2,"sender":"@alice","body":"the analyzer found it first"}],"receipts":{"@alice":2,"@bob":1}}`},
		{"GET", "/rooms/!dev/messages?since=two", "", 400, `{"error":"since must be a message number"}`},
		{"GET", "/rooms/!dev/search?q=Found", "", 200, `[{"seq":1,"sender":"@bob","body":"the harness found a swallowed cancellation"},{"seq":2,"sender":"@alice","body":"the analyzer found it first"}]`},
		{"GET", "/rooms/!dev/search?q=review", "", 200, `[]`},
		{"GET", "/rooms/!dev/search", "", 400, `{"error":"missing q"}`},
		{"POST", "/rooms/!dev/messages", `{"sender":"@bob","body":"Review it, then."}`, 201, `{"seq":3,"sender":"@bob","body":"Review it, then."}`},
		{"POST", "/rooms/!dev/messages", `{"body":"anonymous"}`, 400, `{"error":"want {\"sender\": ..., \"body\": ...}"}`},
		{"GET", "/rooms/!dev/search?q=review", "", 200, `[{"seq":3,"sender":"@bob","body":"Review it, then."}]`},
	} {
		req, err := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tc.status || string(body) != tc.want {
			t.Errorf("%s %s = %d %s, want %d %s", tc.method, tc.path, resp.StatusCode, body, tc.status, tc.want)
		}
	}
}
