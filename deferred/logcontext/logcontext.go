// Package logcontext gives async functions Matrix Synapse's logging
// contexts, on log/slog: every request runs in a named LoggingContext that
// tags its log records and counts the resources its tasks use, and a context
// is finished when its request ends, cancelled or not.
//
// The context travels on the deferred.Task, through its context.Context, so
// there is no thread-local state to lose: Current(t) is the context of the
// code holding t. Run starts a request in a context of its own;
// RunInBackground starts work that inherits the caller's context (Synapse's
// run_in_background); RunAsBackgroundProcess starts work in a new context
// that belongs to no request (Synapse's run_as_background_process).
//
// Work started with RunInBackground is not cancelled with its request: a
// request that is cancelled and finishes while such work still runs has
// leaked its context, the hazard of Synapse's "Uncancelled processing". Any
// use of a finished context (logging through it, starting work in it, a task
// in it resuming from an Await) is reported through the misuse hook and a
// warning, the Go form of Synapse's "Re-starting finished log context". The
// fixes are Synapse's: await the work directly, or through
// deferred.DelayCancellation, so that the request outlives it; or start it
// with RunAsBackgroundProcess.
package logcontext

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// RequestKey is the attribute with which a context's logger tags every
// record: the name of the request (or background process) the record's work
// belongs to, Synapse's "request" field.
const RequestKey = "request"

// A LoggingContext is the logging context of one request or background
// process (a root context), or of one piece of background work started in
// another context with RunInBackground (a child). It has a name, a logger
// that tags records with the request, a start time, resource usage, and a
// finished flag. Every method is safe to call from any goroutine.
//
// A child belongs to its parent's request: its records carry the request's
// name, and its usage is added to its parent's and on up to the root. It is
// the request's finish that counts: using a child after its request has
// finished is a misuse, using it after its own work has ended is not (the
// rest of the request may go on with it, as it would with Synapse's single
// context). Its name, "<parent>-bg<n>", appears in misuse reports, to say
// which background work used the finished request.
type LoggingContext struct {
	name   string
	parent *LoggingContext // nil for a root
	root   *LoggingContext // the root it belongs to; itself for a root
	start  time.Time

	// base is the logger's handler before tagging, for the misuse warning;
	// tagged adds the request attribute; logger checks for misuse.
	base   slog.Handler
	tagged slog.Handler
	logger *slog.Logger

	finished atomic.Bool
	reported atomic.Bool // a misuse by this context has been reported

	mu       sync.Mutex
	usage    Usage
	children int                   // background work started in it, for names
	live     map[*binding]struct{} // root only: tasks running in its tree
}

// Usage is the resource usage of a context: what the tasks that ran in it,
// and in the background work started in it, have used. Synapse counts CPU
// time and database transactions; Go cannot attribute CPU time to a
// goroutine, so the figures here are what the runtime can count exactly.
type Usage struct {
	// Tasks is the number of async functions started in the context.
	Tasks int
	// Awaits is the number of Awaits that suspended, summed over the tasks
	// that have ended (deferred.Task.Awaits).
	Awaits int
	// Wall is the wall-clock time from start to end, summed over the tasks
	// that have ended.
	Wall time.Duration
}

// Sentinel is the context of code that runs in no logging context: Current
// returns it for a Task started outside this package, as Synapse's
// current_context() returns its sentinel. It is never finished, counts no
// usage, and its Logger is slog.Default(), untagged.
var Sentinel = &LoggingContext{name: "sentinel"}

// now is the clock for start times and usage; tests replace it.
var now = time.Now

// New returns a new root context named name, whose logger writes through
// base (slog.Default() when base is nil) and tags every record with
// RequestKey=name. Most code gets a context from Run or
// RunAsBackgroundProcess instead; New is for callers that add attributes to
// every record (an HTTP adapter's method and path, say) and run the request
// with RunIn.
func New(name string, base *slog.Logger) *LoggingContext {
	if base == nil {
		base = slog.Default()
	}
	c := &LoggingContext{name: name, start: now(), base: base.Handler()}
	c.root = c
	c.tagged = c.base.WithAttrs([]slog.Attr{slog.String(RequestKey, name)})
	c.logger = slog.New(&handler{c: c, inner: c.tagged})
	return c
}

// newChild returns the context of a new piece of background work started in
// c. c must not be the sentinel.
func (c *LoggingContext) newChild() *LoggingContext {
	c.mu.Lock()
	c.children++
	n := c.children
	c.mu.Unlock()
	child := &LoggingContext{
		name:   fmt.Sprintf("%s-bg%d", c.name, n),
		parent: c,
		root:   c.root,
		start:  now(),
		base:   c.base,
		tagged: c.tagged,
	}
	child.logger = slog.New(&handler{c: child, inner: c.tagged})
	return child
}

// Current returns the logging context that t runs in, or Sentinel if t is
// nil or runs in none.
func Current(t *deferred.Task) *LoggingContext {
	if t == nil {
		return Sentinel
	}
	return FromContext(t.Context())
}

// FromContext returns the logging context carried by ctx (a Task's
// Context, or one derived from it), or Sentinel if there is none. It lets
// context-aware code called from an async function log in its request.
func FromContext(ctx context.Context) *LoggingContext {
	if ctx != nil {
		if c, ok := ctx.Value(contextKey{}).(*LoggingContext); ok {
			return c
		}
	}
	return Sentinel
}

type contextKey struct{}

// Logger returns the logger of the context that t runs in: Current(t).Logger().
func Logger(t *deferred.Task) *slog.Logger { return Current(t).Logger() }

// Logger returns the context's logger: every record it writes carries
// RequestKey with the name of the request, and writing one after the
// request has finished is reported as a misuse.
func (c *LoggingContext) Logger() *slog.Logger {
	if c.logger == nil { // the sentinel
		return slog.Default()
	}
	return c.logger
}

// Name returns the context's name.
func (c *LoggingContext) Name() string { return c.name }

// String returns the context's name, as Synapse's str(context) does.
func (c *LoggingContext) String() string { return c.name }

// Parent returns the context in which the background work running in c was
// started, or nil for a root context.
func (c *LoggingContext) Parent() *LoggingContext { return c.parent }

// Start returns the time at which the context was created.
func (c *LoggingContext) Start() time.Time { return c.start }

// Finished reports whether the context has finished: a root when its request
// has ended, a child when its own work has ended or its request has.
func (c *LoggingContext) Finished() bool {
	return c.finished.Load() || c.root != nil && c.root.finished.Load()
}

// Finish marks the context finished; Run, RunIn and RunInBackground call it
// when the Deferred of the work they started fires. From then on, any use of
// a finished root context, or of background work started in it, is reported
// as a misuse. Finishing a finished context, or the sentinel, does nothing.
func (c *LoggingContext) Finish() {
	if c == Sentinel || !c.finished.CompareAndSwap(false, true) {
		return
	}
	if c.root != c {
		return
	}
	// Note how often each task still running in the request has resumed,
	// so that a task that resumes after the finish is reported when it
	// ends.
	c.mu.Lock()
	defer c.mu.Unlock()
	for b := range c.live {
		b.snap, b.snapped = b.t.Resumes(), true
	}
}

// Usage returns the resources used so far by the tasks that ran in the
// context and in the background work started in it.
func (c *LoggingContext) Usage() Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usage
}

// A binding is one task running in a context.
type binding struct {
	t     *deferred.Task
	c     *LoggingContext
	start time.Time
	// snap is t.Resumes() when the root finished, if snapped; guarded by
	// the root's mu.
	snap    int
	snapped bool
}

// enter records that t starts running in c.
func (c *LoggingContext) enter(t *deferred.Task) *binding {
	b := &binding{t: t, c: c, start: now()}
	for x := c; x != nil; x = x.parent {
		x.mu.Lock()
		x.usage.Tasks++
		if x == c.root {
			if x.live == nil {
				x.live = make(map[*binding]struct{})
			}
			x.live[b] = struct{}{}
			// Started in a finished request: any resume is one after the
			// finish.
			b.snapped = x.finished.Load()
		}
		x.mu.Unlock()
	}
	return b
}

// exit records that b's task has ended, adds its usage, and reports it if
// it resumed after its request finished.
func (b *binding) exit() {
	c, wall, awaits := b.c, now().Sub(b.start), b.t.Awaits()
	root := c.root
	root.mu.Lock()
	delete(root.live, b)
	resumed := b.snapped && b.t.Resumes() > b.snap
	root.mu.Unlock()
	if resumed {
		c.misuse(Resumed)
	}
	for x := c; x != nil; x = x.parent {
		x.mu.Lock()
		x.usage.Awaits += awaits
		x.usage.Wall += wall
		x.mu.Unlock()
	}
}
