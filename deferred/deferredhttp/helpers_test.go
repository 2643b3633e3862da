package deferredhttp_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// A record is what the recorder keeps of a slog.Record.
type record struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

// recorder is a slog.Handler that keeps every record, for tests to read.
type recorder struct {
	mu      *sync.Mutex
	records *[]record
	attrs   []slog.Attr
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	attrs := make(map[string]string)
	for _, a := range r.attrs {
		attrs[a.Key] = a.Value.String()
	}
	rec.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.String()
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.records = append(*r.records, record{rec.Level, rec.Message, attrs})
	return nil
}

func (r *recorder) WithAttrs(as []slog.Attr) slog.Handler {
	c := *r
	c.attrs = append(slices.Clip(c.attrs), as...)
	return &c
}

func (r *recorder) WithGroup(string) slog.Handler { return r }

func (r *recorder) all() []record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(*r.records)
}

// env is a loopback HTTP server around the handler under test, with the
// records and misuses it produces.
type env struct {
	url    string
	client *http.Client
	rec    *recorder
	// served receives after each ServeHTTP has returned.
	served chan struct{}
	// gone is closed when the first request's context ends.
	gone     chan struct{}
	misuseMu sync.Mutex
	misuses  []logcontext.Misuse
}

// serve starts a loopback server for h and arranges for the test to fail
// if a goroutine is left behind or a finished logging context is used.
// Tests that use it must not run in parallel: it sets slog.Default().
func serve(t *testing.T, h http.Handler) *env {
	t.Helper()
	deferredtest.NoLeaks(t)
	e := &env{
		rec:    &recorder{mu: new(sync.Mutex), records: new([]record)},
		served: make(chan struct{}, 100),
		gone:   make(chan struct{}),
	}
	oldLogger := slog.Default()
	slog.SetDefault(slog.New(e.rec))
	oldHook := logcontext.SetMisuseHook(func(m logcontext.Misuse) {
		e.misuseMu.Lock()
		defer e.misuseMu.Unlock()
		e.misuses = append(e.misuses, m)
	})
	var goneOnce sync.Once
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stop := context.AfterFunc(r.Context(), func() { goneOnce.Do(func() { close(e.gone) }) })
		h.ServeHTTP(w, r)
		stop()
		e.served <- struct{}{}
	}))
	transport := &http.Transport{}
	e.url, e.client = server.URL, &http.Client{Transport: transport}
	t.Cleanup(func() {
		server.Close()
		transport.CloseIdleConnections()
		e.misuseMu.Lock()
		if len(e.misuses) != 0 {
			t.Errorf("finished logging contexts used: %v", e.misuses)
		}
		e.misuseMu.Unlock()
		slog.SetDefault(oldLogger)
		logcontext.SetMisuseHook(oldHook)
	})
	return e
}

// get sends a GET for path and returns the status and body.
func (e *env) get(t *testing.T, path string) (int, http.Header, string) {
	t.Helper()
	resp, err := e.client.Get(e.url + path)
	if err != nil {
		t.Error(err) // not Fatal: it may run on a goroutine of the test's
		return 0, nil, ""
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	<-e.served
	return resp.StatusCode, resp.Header, string(body)
}

// getAndLeave sends a GET for path and disconnects once leave is closed.
// It returns the client's error once the client has given up.
func (e *env) getAndLeave(path string, leave <-chan struct{}) <-chan error {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url+path, nil)
	errc := make(chan error, 1)
	if err != nil {
		cancel()
		errc <- err
		return errc
	}
	go func() {
		<-leave
		cancel()
	}()
	go func() {
		resp, err := e.client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	return errc
}

func await[T any](t *deferred.Task, d *deferred.Deferred[T]) error {
	_, err := deferred.Await(t, d)
	return err
}
