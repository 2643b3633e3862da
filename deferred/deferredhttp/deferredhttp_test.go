package deferredhttp_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredhttp"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// A client that disconnects while a cancellable handler awaits: the cancel
// reaches the Deferred the handler awaits, the *CancelledError comes back
// out of its Await, and the request is logged once, as a 499.
func TestCancellableClientDisconnects(t *testing.T) {
	started := make(chan struct{})
	cancelledDown := make(chan struct{})
	awaited, causes := make(chan error, 1), make(chan error, 1)
	var lc *logcontext.LoggingContext
	e := serve(t, deferredhttp.Cancellable("room", func(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
		lc = logcontext.Current(t)
		load := deferred.New[string](func(*deferred.Deferred[string]) { close(cancelledDown) })
		close(started)
		_, err := deferred.Await(t, load)
		awaited <- err
		causes <- context.Cause(r.Context()) // what context-aware code sees
		return deferredhttp.Response{}, fmt.Errorf("loading room: %w", err)
	}))

	clientErr := e.getAndLeave("/rooms/1", started)
	if err := <-clientErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("client error = %v, want context.Canceled", err)
	}
	<-e.served
	err := <-awaited
	var ce *deferred.CancelledError
	if !errors.As(err, &ce) || ce.Reason != "client disconnected" {
		t.Fatalf("the handler's Await returned %v, want a *CancelledError for the disconnect", err)
	}
	if cause := <-causes; !errors.As(cause, &ce) {
		t.Errorf("the handler's request context ended with %v, want the *CancelledError", cause)
	}
	select {
	case <-cancelledDown:
	default:
		t.Error("the cancel did not reach the Deferred the handler awaited")
	}
	if !lc.Finished() {
		t.Error("the request's logging context is not finished")
	}
	recs := e.rec.all()
	if len(recs) != 1 {
		t.Fatalf("records = %v, want one", recs)
	}
	want := map[string]string{
		"status": "499", logcontext.RequestKey: "room-1",
		"method": "GET", "path": "/rooms/1",
	}
	if recs[0].msg != "Request cancelled: client disconnected" || recs[0].level != slog.LevelInfo {
		t.Errorf("record = %v", recs[0])
	}
	for k, v := range want {
		if recs[0].attrs[k] != v {
			t.Errorf("record %s = %q, want %q", k, recs[0].attrs[k], v)
		}
	}
}

// A handler that swallows the cancellation answers normally to a client
// that has gone; the runtime does not hide it, and the request is logged as
// a disconnect, not as a cancellation.
func TestSwallowedCancellation(t *testing.T) {
	started := make(chan struct{})
	e := serve(t, deferredhttp.Cancellable("room", func(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
		close(started)
		//cancelcheck:ignore swallowedcancel this test shows what the adapter does with the bug
		if err := await(t, deferred.New[int](nil)); err != nil {
			logcontext.Logger(t).Info("ignoring", "error", err) // the bug
		}
		return deferredhttp.Response{Body: []byte("stale")}, nil
	}))
	<-e.getAndLeave("/rooms/1", started)
	<-e.served
	var msgs []string
	for _, r := range e.rec.all() {
		msgs = append(msgs, r.msg+" "+r.attrs["status"])
	}
	if want := []string{"ignoring ", "Client disconnected before the response was sent 200"}; fmt.Sprint(msgs) != fmt.Sprint(want) {
		t.Errorf("records = %q, want %q", msgs, want)
	}
}

// A non-cancellable handler runs to completion although its client has
// gone, and the request is logged once.
func TestHandleRunsToCompletionAfterDisconnect(t *testing.T) {
	started := make(chan struct{})
	load := deferred.New[string](nil)
	awaited := make(chan error, 1)
	e := serve(t, deferredhttp.Handle("send", func(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
		close(started)
		body, err := deferred.Await(t, load)
		if err == nil {
			err = r.Context().Err() // not cancelled either
		}
		awaited <- err
		logcontext.Logger(t).Info("sent")
		return deferredhttp.Response{Status: http.StatusAccepted, Body: []byte(body)}, err
	}))

	clientErr := e.getAndLeave("/send", started)
	if err := <-clientErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("client error = %v, want context.Canceled", err)
	}
	<-e.gone // the server has seen the disconnect
	load.Callback("ok")
	<-e.served
	if err := <-awaited; err != nil {
		t.Fatalf("the handler's Await returned %v, want it to complete", err)
	}
	var msgs []string
	for _, r := range e.rec.all() {
		msgs = append(msgs, r.msg+" "+r.attrs["status"])
	}
	if want := []string{"sent ", "Client disconnected before the response was sent 202"}; fmt.Sprint(msgs) != fmt.Sprint(want) {
		t.Errorf("records = %q, want %q", msgs, want)
	}
}

// A cancellation without a disconnect is a bug elsewhere: 499, logged as
// an error.
func TestCancellationBeforeDisconnect(t *testing.T) {
	e := serve(t, deferredhttp.Cancellable("room", func(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
		shared := deferred.New[int](nil)
		shared.CancelWithReason("another request gave up")
		return deferredhttp.Response{}, await(t, shared)
	}))
	status, _, body := e.get(t, "/rooms/1")
	if status != deferredhttp.StatusClientClosedRequest || body != `{"error":"Request cancelled"}` {
		t.Errorf("response = %d %s", status, body)
	}
	recs := e.rec.all()
	if len(recs) != 1 || recs[0].msg != "Got cancellation before client disconnection" || recs[0].level != slog.LevelError {
		t.Fatalf("records = %v", recs)
	}
	if !strings.Contains(recs[0].attrs["error"], "another request gave up") {
		t.Errorf("the record does not carry the error: %v", recs[0].attrs)
	}
}

// How a handler's answer becomes a response and a log record.
func TestResponses(t *testing.T) {
	tests := []struct {
		name       string
		h          func(*deferred.Task) (deferredhttp.Response, error)
		status     int
		body       string
		header     [2]string // a header the response must carry
		log, level string    // the one record, if any
	}{
		{
			name: "JSON",
			h: func(*deferred.Task) (deferredhttp.Response, error) {
				return deferredhttp.JSON(201, map[string]string{"id": "!a"})
			},
			status: 201, body: `{"id":"!a"}`, header: [2]string{"Content-Type", "application/json"},
		},
		{
			name: "zero status is 200, headers pass",
			h: func(*deferred.Task) (deferredhttp.Response, error) {
				return deferredhttp.Response{Header: http.Header{"X-Room": {"1"}}, Body: []byte("hi")}, nil
			},
			status: 200, body: "hi", header: [2]string{"X-Room", "1"},
		},
		{
			name: "Error",
			h: func(*deferred.Task) (deferredhttp.Response, error) {
				return deferredhttp.Response{}, &deferredhttp.Error{Status: 404, Message: "no such room"}
			},
			status: 404, body: `{"error":"no such room"}`, log: "Request failed", level: "INFO",
		},
		{
			name: "wrapped 5xx Error",
			h: func(*deferred.Task) (deferredhttp.Response, error) {
				cause := errors.New("database down")
				return deferredhttp.Response{}, fmt.Errorf("loading: %w", &deferredhttp.Error{Status: 503, Message: "try later", Err: cause})
			},
			status: 503, body: `{"error":"try later"}`, log: "Request failed", level: "ERROR",
		},
		{
			name: "other error",
			h: func(*deferred.Task) (deferredhttp.Response, error) {
				return deferredhttp.Response{}, errors.New("secret detail")
			},
			status: 500, body: `{"error":"Internal server error"}`, log: "Failed to handle request", level: "ERROR",
		},
		{
			name: "panic",
			h: func(t *deferred.Task) (deferredhttp.Response, error) {
				await(t, deferred.Sleep(nil, time.Millisecond))
				panic("secret detail")
			},
			status: 500, body: `{"error":"Internal server error"}`, log: "Failed to handle request", level: "ERROR",
		},
		{
			name:   "JSON that cannot be encoded",
			h:      func(*deferred.Task) (deferredhttp.Response, error) { return deferredhttp.JSON(200, make(chan int)) },
			status: 500, body: `{"error":"Internal server error"}`, log: "Failed to handle request", level: "ERROR",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := serve(t, deferredhttp.Cancellable("answer", func(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
				return tt.h(t)
			}))
			status, header, body := e.get(t, "/answer")
			if status != tt.status || body != tt.body {
				t.Errorf("response = %d %s, want %d %s", status, body, tt.status, tt.body)
			}
			if k := tt.header[0]; k != "" && header.Get(k) != tt.header[1] {
				t.Errorf("header %s = %q, want %q", k, header.Get(k), tt.header[1])
			}
			recs := e.rec.all()
			if tt.log == "" {
				if len(recs) != 0 {
					t.Errorf("records = %v, want none", recs)
				}
				return
			}
			if len(recs) != 1 || recs[0].msg != tt.log || recs[0].level.String() != tt.level {
				t.Fatalf("records = %v, want one %s %q", recs, tt.level, tt.log)
			}
			if recs[0].attrs["status"] != fmt.Sprint(tt.status) || recs[0].attrs[logcontext.RequestKey] != "answer-1" {
				t.Errorf("record attrs = %v", recs[0].attrs)
			}
			if tt.name == "panic" && !strings.Contains(recs[0].attrs["stack"], "deferredhttp_test") {
				t.Errorf("the panic record has no stack: %v", recs[0].attrs)
			}
		})
	}
}

// A slow handler answers normally; meanwhile the server serves others.
func TestSlowHandler(t *testing.T) {
	e := serve(t, deferredhttp.Cancellable("slow", func(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
		if r.URL.Path == "/slow" {
			if err := await(t, deferred.Sleep(nil, 50*time.Millisecond)); err != nil {
				return deferredhttp.Response{}, err
			}
		}
		return deferredhttp.Response{Body: []byte(r.URL.Path)}, nil
	}))
	slow := make(chan string, 1)
	go func() {
		_, _, body := e.get(t, "/slow")
		slow <- body
	}()
	if _, _, body := e.get(t, "/fast"); body != "/fast" {
		t.Errorf("fast body = %q", body)
	}
	if body := <-slow; body != "/slow" {
		t.Errorf("slow body = %q", body)
	}
}

// Many requests at once: each in its own logging context, each answered.
func TestConcurrentRequests(t *testing.T) {
	e := serve(t, deferredhttp.Cancellable("rooms", func(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
		logcontext.Logger(t).Info("handling")
		if err := await(t, deferred.Sleep(nil, time.Millisecond)); err != nil {
			return deferredhttp.Response{}, err
		}
		return deferredhttp.JSON(http.StatusOK, map[string]string{
			"path": r.URL.Path, "context": logcontext.FromContext(r.Context()).Name(),
		})
	}))
	const n = 20
	var wg sync.WaitGroup
	bodies := make([]string, n)
	for i := range n {
		wg.Go(func() {
			status, _, body := e.get(t, fmt.Sprintf("/rooms/%d", i))
			if status != http.StatusOK {
				t.Errorf("request %d: status %d", i, status)
			}
			bodies[i] = body
		})
	}
	wg.Wait()
	contexts := make(map[string]string) // request name -> path
	for _, r := range e.rec.all() {
		name, path := r.attrs[logcontext.RequestKey], r.attrs["path"]
		if _, dup := contexts[name]; dup {
			t.Errorf("two records for %s", name)
		}
		contexts[name] = path
	}
	if len(contexts) != n {
		t.Errorf("%d request contexts, want %d", len(contexts), n)
	}
	for i, body := range bodies {
		if !strings.Contains(body, fmt.Sprintf(`"path":"/rooms/%d"`, i)) {
			t.Errorf("request %d got %s", i, body)
			continue
		}
		for name, path := range contexts {
			if strings.Contains(body, `"context":"`+name+`"`) && path != fmt.Sprintf("/rooms/%d", i) {
				t.Errorf("request %d ran in %s, the context of %s", i, name, path)
			}
		}
	}
}

// Cancellable carries the directive that makes the analyzers treat the
// handlers passed to it as cancellable entry points; Handle does not.
func TestDirective(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "deferredhttp.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	marks := map[string]bool{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil {
			for _, c := range fd.Doc.List {
				if c.Text == "//cancelcheck:marks-cancellable" {
					marks[fd.Name.Name] = true
				}
			}
		}
	}
	if !marks["Cancellable"] || marks["Handle"] || len(marks) != 1 {
		t.Errorf("functions marked: %v, want Cancellable only", marks)
	}
}
