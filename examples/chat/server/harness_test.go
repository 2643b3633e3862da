package server_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredhttp"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
	"github.com/cancelcheck/cancelcheck/examples/chat/rooms"
	"github.com/cancelcheck/cancelcheck/examples/chat/server"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

// latency is the store's latency in the tests, on a deferredtest.Clock:
// no real time passes.
const latency = 10 * time.Millisecond

func newServer(clock deferred.Clock) *server.Server {
	return server.New(rooms.New(store.Demo(clock, latency)))
}

// An endpoint is a handler of the example, called as the HTTP adapter
// calls it: in a logging context of its own, with a request whose path
// value "room" is set, as the ServeMux sets it.
type endpoint struct {
	name    string
	handler func(*server.Server, *deferred.Task, *http.Request) (deferredhttp.Response, error)
	target  string // the request's URL
	room    string
	// shared runs every request against one server, and starts an
	// uncancelled bystander request beside each cancelled one: for the
	// endpoints with a cache of loads in flight. Otherwise each request
	// gets a server of its own, so that each run reaches the same await
	// points.
	shared bool
	// want holds, for each problem the harness must report, a text the
	// report contains; none for a correct handler.
	want []string
	// status and body are the last run's answer, which no cancel reached.
	status int
	body   string
}

const (
	swallowed  = "the *CancelledError was swallowed"
	replaced   = "which is not a cancellation"
	bystander  = "the uncancelled bystander run failed"
	leakedLogs = "a finished logging context was used"
)

var endpoints = []endpoint{
	{
		name: "room", handler: (*server.Server).GetRoom,
		target: "/rooms/!lobby", room: "!lobby", shared: true,
		status: http.StatusOK, body: `{"id":"!lobby","name":"Lobby","topic":"Say hello"}`,
	},
	{
		// shareddeferred: the cancel of one request fails the load that
		// the bystander waits on too.
		name: "room-unshielded", handler: (*server.Server).GetRoomUnshielded,
		target: "/bad/rooms/!lobby", room: "!lobby", shared: true,
		want:   []string{bystander},
		status: http.StatusOK, body: `{"id":"!lobby","name":"Lobby","topic":"Say hello"}`,
	},
	{
		name: "members", handler: (*server.Server).GetMembers,
		target: "/rooms/!lobby/members", room: "!lobby",
		status: http.StatusOK, body: `[{"user_id":"@alice","display_name":"Alice"},{"user_id":"@bob","display_name":"Bob"},{"user_id":"@carol"}]`,
	},
	{
		// firsterror (err == deferred.ErrCancelled after a Gather): at run
		// time, the check is never true, so a request cancelled while it
		// loads the profiles answers without them: swallowed. Cancelled
		// while it loads the member list, it is fine.
		name: "members-equals-check", handler: (*server.Server).GetMembersEqualsCheck,
		target: "/bad/rooms/!lobby/members", room: "!lobby",
		want:   []string{at(2, "members_bad.go", swallowed)},
		status: http.StatusOK, body: `[{"user_id":"@alice","display_name":"Alice"},{"user_id":"@bob","display_name":"Bob"},{"user_id":"@carol"}]`,
	},
	{
		name: "messages", handler: (*server.Server).GetMessages,
		target: "/rooms/!dev/messages?since=1", room: "!dev",
		status: http.StatusOK, body: `{"messages":[{"seq":2,"sender":"@alice","body":"the analyzer found it first"}],"receipts":{"@alice":2,"@bob":1}}`,
	},
	{
		// swallowedcancel in the handler: both of History's await points.
		name: "messages-or-empty", handler: (*server.Server).GetMessagesOrEmpty,
		target: "/bad/rooms/!dev/messages?since=1", room: "!dev",
		want:   []string{swallowed, swallowed},
		status: http.StatusOK, body: `{"messages":[{"seq":2,"sender":"@alice","body":"the analyzer found it first"}],"receipts":{"@alice":2,"@bob":1}}`,
	},
	{
		// firsterror (%v): the cancellation comes out as another error,
		// at the await point whose error is wrapped.
		name: "messages-wrap-with-v", handler: (*server.Server).GetMessagesWrapWithV,
		target: "/bad/rooms/!dev/messages-wrapped?since=1", room: "!dev",
		want:   []string{at(1, "history_bad.go", replaced)},
		status: http.StatusOK, body: `{"messages":[{"seq":2,"sender":"@alice","body":"the analyzer found it first"}],"receipts":{"@alice":2,"@bob":1}}`,
	},
	{
		// swallowedcancel (an errback that recovers every error): at the
		// receipts' await point.
		name: "messages-optional-receipts", handler: (*server.Server).GetMessagesOptionalReceipts,
		target: "/bad/rooms/!dev/messages-receipts?since=1", room: "!dev",
		want:   []string{at(2, "history_bad.go", swallowed)},
		status: http.StatusOK, body: `{"messages":[{"seq":2,"sender":"@alice","body":"the analyzer found it first"}],"receipts":{"@alice":2,"@bob":1}}`,
	},
	{
		name: "search", handler: (*server.Server).Search,
		target: "/rooms/!lobby/search?q=hello", room: "!lobby",
		status: http.StatusOK, body: `[{"seq":1,"sender":"@alice","body":"hello everyone"},{"seq":2,"sender":"@bob","body":"hello alice"}]`,
	},
	{
		// logcontextleak: cancelled at the build's await point or at the
		// request's, the request ends and the build logs in its finished
		// context.
		name: "search-observe-only", handler: (*server.Server).SearchObserveOnly,
		target: "/bad/rooms/!lobby/search?q=hello", room: "!lobby",
		want:   []string{leakedLogs, leakedLogs},
		status: http.StatusOK, body: `[{"seq":1,"sender":"@alice","body":"hello everyone"},{"seq":2,"sender":"@bob","body":"hello alice"}]`,
	},
}

// at is a report of problem at the nth await point, an Await in a file of
// package rooms.
func at(n int, file, problem string) string {
	return fmt.Sprintf("await point %d, |/examples/chat/rooms/%s:|%s", n, file, problem)
}

// TestCancelAtEveryAwait runs each endpoint under the cancel-at-every-await
// harness: the correct handlers survive a cancel at each of their await
// points, and the harness catches each hazard at run time.
func TestCancelAtEveryAwait(t *testing.T) {
	quietLogs(t)
	for _, e := range endpoints {
		t.Run(e.name, func(t *testing.T) {
			clock := new(deferredtest.Clock)
			opts := []deferredtest.Option{deferredtest.WithClock(clock)}
			var shared *server.Server
			if e.shared {
				shared = newServer(clock)
				opts = append(opts, deferredtest.WithBystander())
			}
			start := func(c *deferredtest.Clock) *deferred.Deferred[deferredhttp.Response] {
				s := shared
				if s == nil {
					s = newServer(c)
				}
				return serve(s, e.handler, e.target, e.room)
			}
			reports, resp, err := harness(t, start, opts...)
			for _, r := range reports {
				t.Logf("the harness reports:\n%s", r)
			}
			wantReports(t, reports, e.want)
			if err != nil || resp.Status != e.status || string(resp.Body) != e.body {
				t.Errorf("last run answered %d %s, %v; want %d %s", resp.Status, resp.Body, err, e.status, e.body)
			}
		})
	}
}

// serve starts s's handler h on a GET of target, as deferredhttp does.
func serve(s *server.Server, h func(*server.Server, *deferred.Task, *http.Request) (deferredhttp.Response, error), target, room string) *deferred.Deferred[deferredhttp.Response] {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.SetPathValue("room", room)
	return logcontext.Run("request", func(t *deferred.Task) (deferredhttp.Response, error) {
		return h(s, t, r.WithContext(t.Context()))
	})
}

// wantReports checks that the harness reported one problem per entry of
// want, in order, each containing the entry's texts (separated by "|").
func wantReports(t *testing.T, reports []string, want []string) {
	t.Helper()
	if len(reports) != len(want) {
		if len(want) > 0 && len(reports) == 0 {
			t.Fatalf("the harness reported nothing, want %d problem(s): was the hazard fixed?", len(want))
		}
		t.Fatalf("the harness reported %d problem(s), want %d:\n%s", len(reports), len(want), strings.Join(reports, "\n---\n"))
	}
	for i, w := range want {
		for _, part := range strings.Split(w, "|") {
			if !strings.Contains(reports[i], part) {
				t.Errorf("report %d = %q, want it to contain %q", i+1, reports[i], part)
			}
		}
	}
}

// harness runs the cancel-at-every-await harness and returns the
// problems it found, as it reports them, and the last run's result.
func harness[T any](t *testing.T, start func(*deferredtest.Clock) *deferred.Deferred[T], opts ...deferredtest.Option) (reports []string, v T, err error) {
	t.Helper()
	problems, v, err := deferredtest.Explore(start, opts...)
	for _, p := range problems {
		reports = append(reports, p.String())
	}
	return reports, v, err
}

func quietLogs(t *testing.T) {
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
}
