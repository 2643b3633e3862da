package logcontext_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

type none = struct{}

func TestRunTagsRecords(t *testing.T) {
	rec, ms := capture(t)
	var c *logcontext.LoggingContext
	d := logcontext.Run("request-1", func(t *deferred.Task) (none, error) {
		c = logcontext.Current(t)
		logcontext.Logger(t).Info("handling", "room", "!a")
		logcontext.Logger(t).With("k", "v").WithGroup("g").Info("grouped", "x", 1)
		return none{}, nil
	})
	if _, err := result(t, d); err != nil {
		t.Fatal(err)
	}
	if c.Name() != "request-1" || c.Parent() != nil {
		t.Errorf("Current = %q (parent %v), want the root request-1", c, c.Parent())
	}
	if got := requestOf(t, rec, "handling"); got != "request-1" {
		t.Errorf("request = %q, want request-1", got)
	}
	g := rec.find("grouped")[0].attrs
	if g[logcontext.RequestKey] != "request-1" || g["k"] != "v" || g["g.x"] != "1" {
		t.Errorf("grouped record attrs = %v", g)
	}
	wantMisuses(t, ms)
}

func TestSentinel(t *testing.T) {
	capture(t)
	tests := []struct {
		name string
		task func(f func(*deferred.Task))
	}{
		{"nil task", func(f func(*deferred.Task)) { f(nil) }},
		{"deferred.Run", func(f func(*deferred.Task)) {
			deferred.Run(func(t *deferred.Task) (none, error) { f(t); return none{}, nil })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.task(func(task *deferred.Task) {
				if c := logcontext.Current(task); c != logcontext.Sentinel {
					t.Errorf("Current = %v, want Sentinel", c)
				}
				if logcontext.Logger(task) != slog.Default() {
					t.Error("Logger is not slog.Default()")
				}
				var in *logcontext.LoggingContext
				logcontext.RunInBackground(task, func(t *deferred.Task) (none, error) {
					in = logcontext.Current(t)
					return none{}, nil
				})
				if in != logcontext.Sentinel {
					t.Errorf("RunInBackground ran in %v, want Sentinel", in)
				}
			})
		})
	}
	logcontext.Sentinel.Finish()
	if logcontext.Sentinel.Finished() || logcontext.Sentinel.Usage() != (logcontext.Usage{}) {
		t.Error("the sentinel finished or counted usage")
	}
}

func TestRunInNilPanics(t *testing.T) {
	defer func() {
		if p := recover(); p == nil {
			t.Error("RunIn(nil context) did not panic")
		}
	}()
	logcontext.RunIn(context.Background(), nil, func(*deferred.Task) (none, error) { return none{}, nil })
}

// A context finishes when the request's Deferred fires, however it fires,
// and not before.
func TestFinishedWhenRequestEnds(t *testing.T) {
	capture(t)
	boom := errors.New("boom")
	tests := []struct {
		name string
		f    func(*deferred.Task, *deferred.Deferred[none]) (none, error)
		end  func(g *deferred.Deferred[none], request *deferred.Deferred[none], stop context.CancelFunc)
	}{
		{"returns",
			func(t *deferred.Task, g *deferred.Deferred[none]) (none, error) { return none{}, await(t, g) },
			func(g, _ *deferred.Deferred[none], _ context.CancelFunc) { g.Callback(none{}) }},
		{"fails",
			func(t *deferred.Task, g *deferred.Deferred[none]) (none, error) { await(t, g); return none{}, boom },
			func(g, _ *deferred.Deferred[none], _ context.CancelFunc) { g.Callback(none{}) }},
		{"panics",
			func(t *deferred.Task, g *deferred.Deferred[none]) (none, error) { await(t, g); panic(boom) },
			func(g, _ *deferred.Deferred[none], _ context.CancelFunc) { g.Callback(none{}) }},
		{"cancelled",
			func(t *deferred.Task, g *deferred.Deferred[none]) (none, error) { return none{}, await(t, g) },
			func(_, request *deferred.Deferred[none], _ context.CancelFunc) { request.Cancel() }},
		{"context done",
			func(t *deferred.Task, g *deferred.Deferred[none]) (none, error) { return none{}, await(t, g) },
			func(_, _ *deferred.Deferred[none], stop context.CancelFunc) { stop() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			c := logcontext.New("request-1", nil)
			g := gate()
			request := logcontext.RunIn(ctx, c, func(t *deferred.Task) (none, error) { return tt.f(t, g) })
			ended := make(chan bool, 1)
			request.AddBoth(func(v none, err error) (none, error) {
				ended <- c.Finished()
				return v, nil
			})
			if c.Finished() {
				t.Fatal("finished while the request waits")
			}
			tt.end(g, request, stop)
			// A context's cancellation arrives on a goroutine of its own.
			if finishedBefore := <-ended; !finishedBefore {
				t.Error("not finished when the request's Deferred fired")
			}
			if !c.Finished() {
				t.Error("not finished after the request ended")
			}
		})
	}
}

// The leak of Synapse's guide: work started with RunInBackground is not
// cancelled with the request, goes on after the request has finished, and
// is reported when it logs.
func TestRunInBackgroundOutlivesCancelledRequest(t *testing.T) {
	rec, ms := capture(t)
	work := gate()
	var bg *deferred.Deferred[string]
	var bgCtx *logcontext.LoggingContext
	request := logcontext.Run("request-1", func(t *deferred.Task) (none, error) {
		bg = logcontext.RunInBackground(t, func(t *deferred.Task) (string, error) {
			bgCtx = logcontext.Current(t)
			if err := await(t, work); err != nil {
				return "", err
			}
			logcontext.Logger(t).Info("done!")
			return "indexed", nil
		})
		return none{}, await(t, gate()) // does not wait for bg
	})
	req := logcontext.FromContext(context.Background())
	if req != logcontext.Sentinel {
		t.Fatal("FromContext(Background) is not the sentinel")
	}
	request.CancelWithReason("client disconnected")
	_, err := result(t, request)
	wantCancelled(t, err)
	if bg.Called() {
		t.Fatal("the background work was cancelled with the request")
	}
	if !bgCtx.Finished() || !bgCtx.Parent().Finished() {
		t.Fatal("the background work's context is not finished with its request")
	}
	wantMisuses(t, ms)

	work.Callback(none{})
	if v, err := result(t, bg); v != "indexed" || err != nil {
		t.Fatalf("background work = %q, %v; want it to finish", v, err)
	}
	wantMisuses(t, ms, "request-1 request-1-bg1 logged")
	if got := requestOf(t, rec, "done!"); got != "request-1" {
		t.Errorf("the leaked record is tagged %q, want request-1", got)
	}
}

// A task in a finished request that suspends again has resumed in the
// finished context: reported when it ends, even if it never logs.
func TestResumeAfterFinishReported(t *testing.T) {
	_, ms := capture(t)
	first, second := gate(), gate()
	request := logcontext.Run("request-1", func(t *deferred.Task) (none, error) {
		logcontext.RunInBackground(t, func(t *deferred.Task) (none, error) {
			await(t, first)
			return none{}, await(t, second)
		})
		return none{}, nil // fire and forget
	})
	result(t, request)
	first.Callback(none{})
	wantMisuses(t, ms)
	second.Callback(none{})
	wantMisuses(t, ms, "request-1 request-1-bg1 resumed")
}

// A task that was suspended when its request finished, and that resumes and
// ends without logging or awaiting again, has resumed in the finished
// context all the same.
func TestResumeFromTheLastAwaitAfterFinishReported(t *testing.T) {
	_, ms := capture(t)
	work := gate()
	request := logcontext.Run("request-1", func(t *deferred.Task) (none, error) {
		logcontext.RunInBackground(t, func(t *deferred.Task) (none, error) {
			return none{}, await(t, work)
		})
		return none{}, nil // fire and forget
	})
	result(t, request)
	wantMisuses(t, ms)
	work.Callback(none{})
	wantMisuses(t, ms, "request-1 request-1-bg1 resumed")
}

// A task that is running when its request finishes (here it cancels the
// request itself) and ends without suspending again has not resumed after
// the finish: nothing is reported.
func TestRunningThroughTheFinishIsNoResume(t *testing.T) {
	_, ms := capture(t)
	work := gate()
	var request *deferred.Deferred[none]
	request = logcontext.Run("request-1", func(t *deferred.Task) (none, error) {
		logcontext.RunInBackground(t, func(t *deferred.Task) (none, error) {
			err := await(t, work)
			request.CancelWithReason("the background work gave up")
			return none{}, err
		})
		return none{}, await(t, gate())
	})
	work.Callback(none{})
	_, err := result(t, request)
	wantCancelled(t, err)
	wantMisuses(t, ms)
}

func TestUseOfFinishedContext(t *testing.T) {
	tests := []struct {
		name string
		use  func(t *testing.T, c *logcontext.LoggingContext, leaked *deferred.Task)
		want string
	}{
		{"its logger", func(_ *testing.T, c *logcontext.LoggingContext, _ *deferred.Task) {
			c.Logger().Debug("late")
		}, "request-1 request-1 logged"},
		{"RunIn", func(_ *testing.T, c *logcontext.LoggingContext, _ *deferred.Task) {
			logcontext.RunIn(context.Background(), c, func(*deferred.Task) (none, error) { return none{}, nil })
		}, "request-1 request-1 started work"},
		{"RunInBackground from a leaked task", func(t *testing.T, _ *logcontext.LoggingContext, leaked *deferred.Task) {
			logcontext.RunInBackground(leaked, func(*deferred.Task) (none, error) { return none{}, nil })
		}, "request-1 request-1-bg1 started work"},
		{"a leaked task's logger", func(_ *testing.T, _ *logcontext.LoggingContext, leaked *deferred.Task) {
			logcontext.Logger(leaked).Info("late")
		}, "request-1 request-1-bg1 logged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ms := capture(t)
			c := logcontext.New("request-1", nil)
			var leaked *deferred.Task
			release := gate()
			logcontext.RunIn(context.Background(), c, func(t *deferred.Task) (none, error) {
				logcontext.RunInBackground(t, func(t *deferred.Task) (none, error) {
					leaked = t
					return none{}, await(t, release)
				})
				return none{}, nil
			})
			defer release.Callback(none{})
			wantMisuses(t, ms)
			tt.use(t, c, leaked)
			tt.use(t, c, leaked) // reported once
			wantMisuses(t, ms, tt.want)
		})
	}
}

func TestMisuseWarningAndHook(t *testing.T) {
	rec, ms := capture(t)
	var c *logcontext.LoggingContext
	logcontext.Run("request-1", func(t *deferred.Task) (none, error) {
		logcontext.RunInBackground(t, func(t *deferred.Task) (none, error) {
			c = logcontext.Current(t)
			return none{}, await(t, gate())
		})
		return none{}, nil
	})
	c.Logger().Info("late")

	warnings := rec.find("Re-starting finished log context")
	if len(warnings) != 1 {
		t.Fatalf("%d warnings, want 1: %v", len(warnings), rec.all())
	}
	w := warnings[0]
	want := map[string]string{"context": "request-1", "used_by": "request-1-bg1", "use": "logged"}
	for k, v := range want {
		if w.attrs[k] != v {
			t.Errorf("warning %s = %q, want %q", k, w.attrs[k], v)
		}
	}
	if w.level != slog.LevelWarn {
		t.Errorf("warning level = %v", w.level)
	}
	if _, tagged := w.attrs[logcontext.RequestKey]; tagged {
		t.Error("the warning went through the finished context's logger")
	}
	if len(rec.find("late")) != 1 {
		t.Error("the late record was dropped")
	}

	ms.mu.Lock()
	m := ms.list[0]
	ms.mu.Unlock()
	const text = "Re-starting finished log context request-1 (used by request-1-bg1): logged after it finished"
	if m.String() != text {
		t.Errorf("Misuse.String() = %q, want %q", m, text)
	}
	self := logcontext.Misuse{Context: m.Context, By: m.Context, Use: logcontext.Resumed}
	if got := self.String(); got != "Re-starting finished log context request-1: resumed after it finished" {
		t.Errorf("Misuse.String() = %q", got)
	}

	other := func(logcontext.Misuse) {}
	if prev := logcontext.SetMisuseHook(other); prev == nil {
		t.Error("SetMisuseHook returned nil, want the test's hook")
	}
	if prev := logcontext.SetMisuseHook(nil); prev == nil {
		t.Error("SetMisuseHook did not return the hook it replaced")
	}
	if prev := logcontext.SetMisuseHook(ms.add); prev != nil {
		t.Error("SetMisuseHook after removal returned a hook")
	}
}

// RunAsBackgroundProcess gets a context of its own: not the request's, not
// finished with it, never reported, and its usage is its own.
func TestRunAsBackgroundProcessOwnContext(t *testing.T) {
	rec, ms := capture(t)
	work := gate()
	var proc *logcontext.LoggingContext
	var p *deferred.Deferred[none]
	var req *logcontext.LoggingContext
	request := logcontext.Run("request-1", func(t *deferred.Task) (none, error) {
		req = logcontext.Current(t)
		p = logcontext.RunAsBackgroundProcess("indexer", func(t *deferred.Task) (none, error) {
			proc = logcontext.Current(t)
			err := await(t, work)
			logcontext.Logger(t).Info("indexed")
			return none{}, err
		})
		return none{}, await(t, gate())
	})
	request.Cancel()
	if proc.Name() != "indexer" || proc.Parent() != nil || proc.Finished() {
		t.Fatalf("process context %q (parent %v, finished %v), want a running root", proc, proc.Parent(), proc.Finished())
	}
	work.Callback(none{})
	if _, err := result(t, p); err != nil || !proc.Finished() {
		t.Fatalf("process = %v, finished %v", err, proc.Finished())
	}
	if got := requestOf(t, rec, "indexed"); got != "indexer" {
		t.Errorf("process record tagged %q, want indexer", got)
	}
	if u := req.Usage(); u.Tasks != 1 {
		t.Errorf("request usage %+v counts the process", u)
	}
	if u := proc.Usage(); u.Tasks != 1 || u.Awaits != 1 {
		t.Errorf("process usage = %+v, want 1 task, 1 await", u)
	}
	wantMisuses(t, ms)
}

// A background process's failure is logged in its context and handled, so
// that dropping its Deferred reports nothing more; awaiting it still gets
// the error.
func TestRunAsBackgroundProcessFailure(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name  string
		f     func(*deferred.Task) (none, error)
		cause func(*deferred.Deferred[none])
		level slog.Level
		msg   string
		is    error
	}{
		{"error", func(*deferred.Task) (none, error) { return none{}, boom },
			nil, slog.LevelError, "Background process failed", boom},
		{"panic", func(*deferred.Task) (none, error) { panic(boom) },
			nil, slog.LevelError, "Background process failed", boom},
		{"cancelled", func(t *deferred.Task) (none, error) { return none{}, await(t, gate()) },
			(*deferred.Deferred[none]).Cancel, slog.LevelInfo, "Background process cancelled", deferred.ErrCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, ms := capture(t)
			deferred.ReportUnhandled() // what earlier tests dropped
			var unhandled []deferred.UnhandledError
			var mu sync.Mutex
			old := deferred.SetUnhandledHook(func(u deferred.UnhandledError) {
				mu.Lock()
				defer mu.Unlock()
				unhandled = append(unhandled, u)
			})
			defer deferred.SetUnhandledHook(old)

			func() {
				d := logcontext.RunAsBackgroundProcess("indexer", tt.f)
				if tt.cause != nil {
					tt.cause(d)
				}
				awaited := deferred.Run(func(t *deferred.Task) (error, error) {
					_, err := deferred.Await(t, d)
					return err, nil
				})
				if err, _ := result(t, awaited); !errors.Is(err, tt.is) {
					t.Errorf("awaiting the process = %v, want %v", err, tt.is)
				}
				dropped := logcontext.RunAsBackgroundProcess("dropped", tt.f)
				if tt.cause != nil {
					tt.cause(dropped)
				}
			}()
			deferred.ReportUnhandled()
			mu.Lock()
			if len(unhandled) != 0 {
				t.Errorf("unhandled reports: %v", unhandled)
			}
			mu.Unlock()
			logged := rec.find(tt.msg)
			if len(logged) != 2 || logged[0].level != tt.level || logged[0].attrs[logcontext.RequestKey] != "indexer" {
				t.Errorf("logged %v, want 2 records %q at %v", rec.all(), tt.msg, tt.level)
			}
			wantMisuses(t, ms)
		})
	}
}

// Background work started in background work: each level is a child of the
// one that started it and belongs to the same request; a child that ends
// while its own child runs is no misuse while the request goes on.
func TestNestedBackgroundWork(t *testing.T) {
	rec, ms := capture(t)
	inner, outerDone, requestDone := gate(), gate(), gate()
	var a, b *logcontext.LoggingContext
	var innerWork *deferred.Deferred[none]
	request := logcontext.Run("request-1", func(t *deferred.Task) (none, error) {
		outer := logcontext.RunInBackground(t, func(t *deferred.Task) (none, error) {
			a = logcontext.Current(t)
			innerWork = logcontext.RunInBackground(t, func(t *deferred.Task) (none, error) {
				b = logcontext.Current(t)
				err := await(t, inner)
				logcontext.Logger(t).Info("inner done")
				return none{}, err
			})
			return none{}, await(t, outerDone)
		})
		if err := await(t, requestDone); err != nil {
			return none{}, err
		}
		if _, err := deferred.Await(t, outer); err != nil {
			return none{}, err
		}
		_, err := deferred.Await(t, innerWork)
		return none{}, err
	})
	if a.Name() != "request-1-bg1" || b.Name() != "request-1-bg1-bg1" || b.Parent() != a || a.Parent().Name() != "request-1" {
		t.Fatalf("contexts %q (parent %v), %q (parent %v)", a, a.Parent(), b, b.Parent())
	}
	outerDone.Callback(none{}) // a ends, b still runs
	if !a.Finished() || b.Finished() {
		t.Fatalf("finished: a %v, b %v; want a only", a.Finished(), b.Finished())
	}
	a.Logger().Info("a's logger after a ended") // the request goes on: no misuse
	inner.Callback(none{})
	requestDone.Callback(none{})
	if _, err := result(t, request); err != nil {
		t.Fatal(err)
	}
	if got := requestOf(t, rec, "inner done"); got != "request-1" {
		t.Errorf("nested record tagged %q, want request-1", got)
	}
	// The request suspends once: outer and innerWork have fired by the
	// time it awaits them.
	if u := a.Parent().Usage(); u.Tasks != 3 || u.Awaits != 3 {
		t.Errorf("request usage = %+v, want 3 tasks and 3 awaits", u)
	}
	if u := a.Usage(); u.Tasks != 2 || u.Awaits != 2 {
		t.Errorf("outer usage = %+v, want 2 tasks and 2 awaits", u)
	}
	wantMisuses(t, ms)
}

// Usage: tasks counted when they start, awaits and wall time when they
// end, each added to the task's context and every context above it.
func TestUsage(t *testing.T) {
	capture(t)
	clock := time.Unix(0, 0)
	defer logcontext.SetNow(func() time.Time { return clock })()
	childGate, requestGate := gate(), gate()
	var req, child *logcontext.LoggingContext
	request := logcontext.Run("request-1", func(t *deferred.Task) (none, error) {
		req = logcontext.Current(t)
		bg := logcontext.RunInBackground(t, func(t *deferred.Task) (none, error) {
			child = logcontext.Current(t)
			return none{}, await(t, childGate)
		})
		logcontext.RunAsBackgroundProcess("not counted", func(t *deferred.Task) (none, error) {
			return none{}, await(t, gate())
		})
		await(t, requestGate)
		_, err := deferred.Await(t, bg) // fired: does not suspend
		return none{}, err
	})
	if u := req.Usage(); u != (logcontext.Usage{Tasks: 2}) {
		t.Errorf("usage while running = %+v, want 2 tasks and nothing else yet", u)
	}
	clock = clock.Add(3 * time.Second)
	childGate.Callback(none{})
	clock = clock.Add(2 * time.Second)
	requestGate.Callback(none{})
	result(t, request)

	want := []struct {
		c    *logcontext.LoggingContext
		want logcontext.Usage
	}{
		{child, logcontext.Usage{Tasks: 1, Awaits: 1, Wall: 3 * time.Second}},
		{req, logcontext.Usage{Tasks: 2, Awaits: 2, Wall: 8 * time.Second}},
	}
	for _, w := range want {
		if got := w.c.Usage(); got != w.want {
			t.Errorf("%s usage = %+v, want %+v", w.c, got, w.want)
		}
	}
	if !req.Start().Equal(time.Unix(0, 0)) {
		t.Errorf("start = %v", req.Start())
	}
}

// Synapse's "Uncancelled processing" examples, translated: a request that
// shares, through an Observable, the result of work it starts in the
// background, and is cancelled while it waits.
func TestUncancelledProcessing(t *testing.T) {
	// service is the guide's module state: the cache and the "..." that
	// do_something_else awaits.
	type service struct {
		cache *deferred.Observable[none]
		work  *deferred.Deferred[none]
	}
	doSomethingElse := func(s *service, toResolve *deferred.Deferred[none]) func(*deferred.Task) (none, error) {
		return func(t *deferred.Task) (none, error) {
			if err := await(t, s.work); err != nil {
				return none{}, err
			}
			logcontext.Logger(t).Info("done!")
			toResolve.Callback(none{})
			return none{}, nil
		}
	}
	tests := []struct {
		name        string
		doSomething func(s *service) func(*deferred.Task) (none, error)
		// doneBy is the request tag of the "done!" record.
		doneBy  string
		misuses []string
	}{
		{
			name: "Bad: RunInBackground outlives the request",
			doSomething: func(s *service) func(*deferred.Task) (none, error) {
				return func(t *deferred.Task) (none, error) {
					if s.cache == nil {
						toResolve := deferred.New[none](nil)
						s.cache = deferred.NewObservable(toResolve, true)
						// doSomethingElse is never cancelled and can
						// outlive the request-1 logging context.
						logcontext.RunInBackground(t, doSomethingElse(s, toResolve))
					}
					_, err := deferred.Await(t, s.cache.Observe())
					return none{}, err
				}
			},
			doneBy:  "request-1",
			misuses: []string{"request-1 request-1-bg1 logged"},
		},
		{
			name: "Good: DelayCancellation waits for the work",
			doSomething: func(s *service) func(*deferred.Task) (none, error) {
				return func(t *deferred.Task) (none, error) {
					if s.cache == nil {
						toResolve := deferred.New[none](nil)
						s.cache = deferred.NewObservable(toResolve, true)
						logcontext.RunInBackground(t, doSomethingElse(s, toResolve))
						// Wait until doSomethingElse is done before
						// returning the cancellation.
						_, err := deferred.Await(t, deferred.DelayCancellation(s.cache.Observe()))
						return none{}, err
					}
					_, err := deferred.Await(t, s.cache.Observe())
					return none{}, err
				}
			},
			doneBy: "request-1",
		},
		{
			name: "OK: RunAsBackgroundProcess has its own context",
			doSomething: func(s *service) func(*deferred.Task) (none, error) {
				return func(t *deferred.Task) (none, error) {
					if s.cache == nil {
						toResolve := deferred.New[none](nil)
						s.cache = deferred.NewObservable(toResolve, true)
						// doSomethingElse gets its own logging context;
						// request-1 counts nothing of it.
						logcontext.RunAsBackgroundProcess("do_something_else", doSomethingElse(s, toResolve))
					}
					_, err := deferred.Await(t, s.cache.Observe())
					return none{}, err
				}
			},
			doneBy: "do_something_else",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, ms := capture(t)
			s := &service{work: gate()}
			request := logcontext.Run("request-1", tt.doSomething(s))
			request.CancelWithReason("client disconnected")
			s.work.Callback(none{})
			_, err := result(t, request)
			wantCancelled(t, err)
			if got := requestOf(t, rec, "done!"); got != tt.doneBy {
				t.Errorf(`"done!" tagged %q, want %q`, got, tt.doneBy)
			}
			wantMisuses(t, ms, tt.misuses...)
		})
	}
}

// Many requests on many goroutines, each with background work that it
// awaits and work fired from other goroutines: no misuse, every record
// tagged with its own request, usage exact. Run with -race.
func TestConcurrentRequests(t *testing.T) {
	rec, ms := capture(t)
	const n = 50
	gates := make([]*deferred.Deferred[none], n)
	requests := make([]*deferred.Deferred[string], n)
	contexts := make([]*logcontext.LoggingContext, n)
	var wg sync.WaitGroup
	for i := range n {
		gates[i] = gate()
		wg.Go(func() {
			name := fmt.Sprintf("request-%d", i)
			requests[i] = logcontext.Run(name, func(t *deferred.Task) (string, error) {
				contexts[i] = logcontext.Current(t)
				bg := logcontext.RunInBackground(t, func(t *deferred.Task) (string, error) {
					err := await(t, gates[i])
					logcontext.Logger(t).Info("bg", "i", i)
					return name, err
				})
				v, err := deferred.Await(t, bg)
				logcontext.Logger(t).Info("fg", "i", i)
				return v, err
			})
		})
	}
	wg.Wait()
	for i := range n {
		wg.Go(func() { gates[i].Callback(none{}) })
	}
	wg.Wait()
	for i := range n {
		v, err := result(t, requests[i])
		if want := fmt.Sprintf("request-%d", i); v != want || err != nil {
			t.Errorf("request %d = %q, %v", i, v, err)
		}
		if u := contexts[i].Usage(); u.Tasks != 2 || u.Awaits != 2 || !contexts[i].Finished() {
			t.Errorf("request %d usage %+v finished %v", i, u, contexts[i].Finished())
		}
	}
	for _, r := range append(rec.find("bg"), rec.find("fg")...) {
		if want := "request-" + r.attrs["i"]; r.attrs[logcontext.RequestKey] != want {
			t.Errorf("record %q tagged %q, want %q", r.msg, r.attrs[logcontext.RequestKey], want)
		}
	}
	if got := len(rec.find("bg")) + len(rec.find("fg")); got != 2*n {
		t.Errorf("%d records, want %d", got, 2*n)
	}
	wantMisuses(t, ms)
}

// Misuses raced from many goroutines: each using context is reported
// exactly once.
func TestConcurrentMisuse(t *testing.T) {
	_, ms := capture(t)
	c := logcontext.New("request-1", nil)
	release := gate()
	var leaked []*deferred.Task
	logcontext.RunIn(context.Background(), c, func(t *deferred.Task) (none, error) {
		for range 4 {
			logcontext.RunInBackground(t, func(t *deferred.Task) (none, error) {
				leaked = append(leaked, t)
				return none{}, await(t, release)
			})
		}
		return none{}, nil
	})
	defer release.Callback(none{})
	var wg sync.WaitGroup
	for range 8 {
		for _, task := range leaked {
			wg.Go(func() { logcontext.Logger(task).Info("late") })
		}
		wg.Go(func() { c.Logger().Info("late") })
	}
	wg.Wait()
	if got := len(ms.got()); got != 5 {
		t.Errorf("%d reports, want 5 (one per context): %q", got, ms.got())
	}
}
