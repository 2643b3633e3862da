package logcontext_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// A record is what the recorder keeps of a slog.Record: its attributes,
// including those added with WithAttrs, flattened to strings.
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
	group   string
}

func newRecorder() *recorder { return &recorder{mu: new(sync.Mutex), records: new([]record)} }

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	attrs := make(map[string]string)
	for _, a := range r.attrs {
		attrs[a.Key] = a.Value.String()
	}
	rec.Attrs(func(a slog.Attr) bool {
		attrs[r.group+a.Key] = a.Value.String()
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.records = append(*r.records, record{rec.Level, rec.Message, attrs})
	return nil
}

func (r *recorder) WithAttrs(as []slog.Attr) slog.Handler {
	c := *r
	for _, a := range as {
		a.Key = r.group + a.Key
		c.attrs = append(slices.Clip(c.attrs), a)
	}
	return &c
}

func (r *recorder) WithGroup(name string) slog.Handler {
	c := *r
	c.group += name + "."
	return &c
}

// all returns the records kept so far.
func (r *recorder) all() []record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(*r.records)
}

// find returns the records whose message is msg.
func (r *recorder) find(msg string) []record {
	var out []record
	for _, rec := range r.all() {
		if rec.msg == msg {
			out = append(out, rec)
		}
	}
	return out
}

// misuses collects reported misuses.
type misuses struct {
	mu   sync.Mutex
	list []logcontext.Misuse
}

func (m *misuses) add(x logcontext.Misuse) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.list = append(m.list, x)
}

// got returns the reports so far as "context by use" strings.
func (m *misuses) got() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []string{}
	for _, x := range m.list {
		out = append(out, x.Context.Name()+" "+x.By.Name()+" "+x.Use.String())
	}
	return out
}

// capture makes slog.Default() record into a new recorder and installs a
// misuse hook, for the duration of the test. Tests that use it must not run
// in parallel.
func capture(t *testing.T) (*recorder, *misuses) {
	t.Helper()
	rec, ms := newRecorder(), &misuses{}
	oldLogger := slog.Default()
	slog.SetDefault(slog.New(rec))
	oldHook := logcontext.SetMisuseHook(ms.add)
	t.Cleanup(func() {
		// Failures the test dropped are reported here, not in a later
		// test's records.
		deferred.ReportUnhandled()
		slog.SetDefault(oldLogger)
		logcontext.SetMisuseHook(oldHook)
	})
	return rec, ms
}

func wantMisuses(t *testing.T, ms *misuses, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := ms.got(); !slices.Equal(got, want) {
		t.Errorf("misuses = %q, want %q", got, want)
	}
}

// result returns d's result, failing the test if d has not fired.
func result[T any](t *testing.T, d *deferred.Deferred[T]) (T, error) {
	t.Helper()
	v, err, ok := d.Result()
	if !ok {
		t.Fatalf("%T has not fired", d)
	}
	return v, err
}

func wantCancelled(t *testing.T, err error) {
	t.Helper()
	if _, ok := err.(*deferred.CancelledError); !ok {
		t.Fatalf("err = %v, want a *deferred.CancelledError", err)
	}
}

// requestOf returns the request attribute of the only record with message
// msg.
func requestOf(t *testing.T, rec *recorder, msg string) string {
	t.Helper()
	rs := rec.find(msg)
	if len(rs) != 1 {
		t.Fatalf("%d records %q, want 1; all: %v", len(rs), msg, rec.all())
	}
	return rs[0].attrs[logcontext.RequestKey]
}

// gate is an unfired Deferred for tasks to wait on.
func gate() *deferred.Deferred[struct{}] { return deferred.New[struct{}](nil) }

func await(t *deferred.Task, d *deferred.Deferred[struct{}]) error {
	_, err := deferred.Await(t, d)
	return err
}

func joined(ss ...string) string { return strings.Join(ss, " ") }
