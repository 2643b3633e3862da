package deferred_test

// Unhandled failures: Twisted's LogTests ("Unhandled error in Deferred"
// when a failed Deferred is garbage collected).

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// unhandledCases drop a Deferred whose result is errFor(name) in a way that
// must, or must not, be reported.
var unhandledCases = []struct {
	name     string
	reported bool
	drop     func(err error)
}{
	// Twisted's test_errorLog.
	{"callback fails", true, func(err error) {
		d := deferred.New[int](nil)
		d.AddCallback(func(int) (int, error) { return 0, err })
		d.Callback(1)
	}},
	{"Fail", true, func(err error) { deferred.Fail[int](err) }},
	{"Errback, no errback", true, func(err error) { deferred.New[int](nil).Errback(err) }},
	{"cancelled", true, func(err error) { deferred.New[int](nil).CancelWithReason(err.Error()) }},
	{"Run fails", true, func(err error) {
		deferred.Run(func(*deferred.Task) (int, error) { return 0, err })
	}},
	{"errback passes it on", true, func(err error) {
		deferred.Fail[int](err).AddErrback(func(err error) (int, error) { return 0, err })
	}},
	{"peeked by Gather without consumeErrors", true, func(err error) {
		handle(deferred.Gather([]*deferred.Deferred[int]{deferred.Fail[int](err)}, false))
	}},
	{"handled by an errback", false, func(err error) {
		deferred.Fail[int](err).AddErrback(func(error) (int, error) { return 0, nil })
	}},
	{"handled later", false, func(err error) {
		d := deferred.New[int](nil)
		d.Errback(err)
		runtime.GC()
		handle(d)
	}},
	{"awaited", false, func(err error) {
		d := deferred.Fail[int](err)
		deferred.Run(func(t *deferred.Task) (int, error) { deferred.Await(t, d); return 0, nil })
	}},
	{"read by Then", false, func(err error) {
		handle(deferred.Then(deferred.Fail[int](err), func(int) (int, error) { return 0, nil }))
	}},
	{"read by StopCancellation", false, func(err error) { handle(deferred.StopCancellation(deferred.Fail[int](err))) }},
	{"read by Gather with consumeErrors", false, func(err error) {
		handle(deferred.Gather([]*deferred.Deferred[int]{deferred.Fail[int](err)}, true))
	}},
	// Twisted's test_errorClearedByChaining.
	{"errback chains to another Deferred", false, func(err error) {
		deferred.Fail[int](err).AddDeferredCallbacks(nil, func(error) *deferred.Deferred[int] { return deferred.New[int](nil) })
	}},
	{"replaced by a recovery", false, func(err error) {
		d := deferred.New[int](nil)
		d.AddBoth(func(int, error) (int, error) { return 1, nil })
		d.Errback(err)
	}},
	{"marked handled before it fails", false, func(err error) {
		deferred.New[int](nil).MarkHandled().Errback(err)
	}},
	{"marked handled after it failed", false, func(err error) { deferred.Fail[int](err).MarkHandled() }},
	{"marked handled, then a later stage fails", true, func(err error) {
		d := deferred.New[int](nil).MarkHandled()
		d.AddCallback(func(int) (int, error) { return 0, err })
		d.Callback(1)
	}},
	{"marked handled, then an errback passes it on", true, func(err error) {
		deferred.Fail[int](err).MarkHandled().AddErrback(func(err error) (int, error) { return 0, err })
	}},
}

// MarkHandled changes nothing but the unhandled-failure report: the
// failure stays d's result, for Result, the next stages and Await.
func TestMarkHandledKeepsTheFailure(t *testing.T) {
	d := deferred.New[int](nil)
	if got := d.MarkHandled(); got != d {
		t.Fatal("MarkHandled did not return d")
	}
	d.Errback(errBoom)
	if err := mustFail(t, d); err != errBoom {
		t.Fatalf("d holds %v after MarkHandled, want %v", err, errBoom)
	}
	r := deferred.Run(func(t *deferred.Task) (error, error) {
		_, err := deferred.Await(t, d)
		return err, nil
	})
	if err := mustSucceed(t, r); err != errBoom {
		t.Fatalf("Await returned %v, want %v", err, errBoom)
	}
	var seen error
	d.AddErrback(func(err error) (int, error) { seen = err; return 0, nil })
	if seen != errBoom {
		t.Fatalf("the next errback saw %v, want %v", seen, errBoom)
	}
	s := deferred.Succeed(7).MarkHandled()
	if v := mustSucceed(t, s); v != 7 {
		t.Fatalf("a marked success holds %d, want 7", v)
	}
}

func TestUnhandledFailures(t *testing.T) {
	reports := unhandledReports(t)
	errs := make([]error, len(unhandledCases))
	for i, c := range unhandledCases {
		errs[i] = fmt.Errorf("unhandled case %q", c.name)
		c.drop(errs[i])
	}
	got := reports()
	for i, c := range unhandledCases {
		want := 0
		if c.reported {
			want = 1
		}
		n := 0
		for _, u := range got {
			// A cancellation carries the case's error as its reason.
			if strings.Contains(u.Err.Error(), errs[i].Error()) {
				n++
			}
		}
		if n != want {
			t.Errorf("%s: reported %d times, want %d", c.name, n, want)
		}
	}
}

func TestUnhandledReportNamesTheType(t *testing.T) {
	reports := unhandledReports(t)
	errMark := errors.New("typed")
	func() { deferred.Fail[string](errMark) }()
	for _, u := range reports() {
		if u.Err == errMark {
			if u.Type != "*deferred.Deferred[string]" {
				t.Errorf("Type %q", u.Type)
			}
			if want := "unhandled error in *deferred.Deferred[string]: typed"; u.Error() != want {
				t.Errorf("Error() = %q, want %q", u.Error(), want)
			}
			return
		}
	}
	t.Fatal("not reported")
}

// A failure replaced by another one is not reported; the last one is.
func TestUnhandledReportsOnlyTheFinalFailure(t *testing.T) {
	reports := unhandledReports(t)
	errFirst, errLast := errors.New("first, replaced"), errors.New("last, dropped")
	func() {
		d := deferred.Fail[int](errFirst)
		d.AddErrback(func(error) (int, error) { return 0, errLast })
	}()
	got := reports()
	if countIs(got, errFirst) != 0 || countIs(got, errLast) != 1 {
		t.Fatalf("reports %v, want only the last failure", got)
	}
}

// Without ReportUnhandled, the report comes when the runtime runs its
// cleanups after a collection.
func TestUnhandledReportedByTheCollector(t *testing.T) {
	errMark := errors.New("collected without ReportUnhandled")
	found := make(chan struct{}, 1)
	prev := deferred.SetUnhandledHook(func(u deferred.UnhandledError) {
		if u.Err == errMark {
			found <- struct{}{}
		}
	})
	defer deferred.SetUnhandledHook(prev)
	func() { deferred.Fail[int](errMark) }()
	deadline := time.After(10 * time.Second)
	for {
		runtime.GC()
		select {
		case <-found:
			return
		case <-deadline:
			t.Fatal("never reported")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// A report that the collector has taken up, but whose hook call has not
// returned, is made before ReportUnhandled returns: a test that calls it and
// then counts the reports misses none.
func TestReportUnhandledWaitsForReportsInFlight(t *testing.T) {
	errMark := errors.New("reported by the collector, slowly")
	entered, release := make(chan struct{}), make(chan struct{})
	prev := deferred.SetUnhandledHook(func(u deferred.UnhandledError) {
		if u.Err == errMark {
			close(entered)
			<-release
		}
	})
	defer deferred.SetUnhandledHook(prev)
	func() { deferred.Fail[int](errMark) }()
	deadline := time.After(10 * time.Second)
	for waiting := true; waiting; {
		runtime.GC() // the collector's cleanup takes the report up
		select {
		case <-entered:
			waiting = false
		case <-deadline:
			t.Fatal("never reported")
		case <-time.After(10 * time.Millisecond):
		}
	}
	returned := make(chan struct{})
	go func() {
		deferred.ReportUnhandled()
		close(returned)
	}()
	select {
	case <-returned:
		t.Error("ReportUnhandled returned while a report was still being made")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-returned
}

// The hook may use Deferreds itself, even drop failed ones.
func TestUnhandledHookMayCreateFailedDeferreds(t *testing.T) {
	errMark := errors.New("reported to a hook that makes Deferreds")
	var mu sync.Mutex
	var inHook []deferred.UnhandledError
	prev := deferred.SetUnhandledHook(func(u deferred.UnhandledError) {
		mu.Lock()
		inHook = append(inHook, u)
		mu.Unlock()
		deferred.Fail[int](errors.New("dropped inside the hook"))
	})
	defer deferred.SetUnhandledHook(prev)
	done := make(chan struct{})
	go func() {
		defer close(done)
		func() { deferred.Fail[int](errMark) }()
		deferred.ReportUnhandled()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ReportUnhandled deadlocked with a hook that creates a failed Deferred")
	}
	deferred.ReportUnhandled() // report what the hook dropped, while it is installed
	mu.Lock()
	defer mu.Unlock()
	if countIs(inHook, errMark) != 1 {
		t.Fatalf("hook saw %v", inHook)
	}
}

func TestDefaultUnhandledHookLogsWithSlog(t *testing.T) {
	var buf lockedBuffer
	prevLogger := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(prevLogger)
	prev := deferred.SetUnhandledHook(nil)
	defer deferred.SetUnhandledHook(prev)

	func() { deferred.Fail[int](errors.New("logged by default")) }()
	deferred.ReportUnhandled()
	out := buf.String()
	if !strings.Contains(out, "Unhandled error in Deferred") || !strings.Contains(out, "logged by default") ||
		!strings.Contains(out, "level=ERROR") {
		t.Fatalf("log output %q", out)
	}
}

func TestSetUnhandledHookReturnsThePreviousOne(t *testing.T) {
	var called atomic.Bool
	a := func(u deferred.UnhandledError) {
		if u.Type == "marker" {
			called.Store(true)
		}
	}
	prev := deferred.SetUnhandledHook(a)
	defer deferred.SetUnhandledHook(prev)
	got := deferred.SetUnhandledHook(nil)
	got(deferred.UnhandledError{Type: "marker"})
	if !called.Load() {
		t.Fatalf("SetUnhandledHook did not return the hook it replaced")
	}
	if deferred.SetUnhandledHook(prev) == nil {
		t.Fatal("the default hook is returned as nil")
	}
}

// lockedBuffer is a bytes.Buffer that the cleanup goroutine may write while
// the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
