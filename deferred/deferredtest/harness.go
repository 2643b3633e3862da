package deferredtest

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// CancelAtEveryAwait checks that an operation survives being cancelled at
// each of its await points: the Go form of Synapse's
// make_request_with_cancellation_test.
//
// start starts the operation under clock and returns its Deferred; it is
// called once per await point, and once more at the end. Each run goes on
// (start's own work, then the clock's pending calls, one at a time) until
// the operation reaches an Await it has not reached in an earlier run; an
// await point is identified by the call stack of the Await. There the
// harness makes the Await block, even on a Deferred that has fired, cancels
// the operation, and lets everything settle: it advances the clock until no
// call is pending, and releases the Await if the cancel did not reach it.
// Then it checks that
//
//   - the operation failed with a *CancelledError (errors.Is ErrCancelled):
//     the cancellation was neither swallowed nor replaced;
//   - no finished logging context was used (logcontext's misuse hook);
//   - no Deferred was dropped with an unhandled failure;
//   - no goroutine was left behind;
//   - with WithBystander, that a second, uncancelled run started beside the
//     cancelled one was not cancelled with it: no Deferred shared between
//     them was cancelled under the other waiter.
//
// The run that reaches no new await point is the last: the same checks
// apply to it, except that it must not fail with a *CancelledError (a
// cancellation that leaked out of an earlier run, through a shared Deferred
// left in a cache, shows up there), and CancelAtEveryAwait returns its
// result for the test to check.
//
// A failure names the await point (the file:line of the Await and the
// stack above it) and the check that broke, and the harness goes on with
// the next point. The harness installs process-wide hooks (the await hook,
// the unhandled-error hook, the logging-context misuse hook), so tests that
// use it must not run in parallel with each other; it serializes itself.
//
// Only operations driven by the clock and by Deferreds they fire
// themselves can be explored: an operation that waits on something outside
// (a real network call, a goroutine) is reported as stuck.
func CancelAtEveryAwait[T any](tb testing.TB, start func(clock *Clock) *deferred.Deferred[T], opts ...Option) (T, error) {
	tb.Helper()
	problems, v, err := Explore(start, opts...)
	for _, p := range problems {
		tb.Errorf("%s", p)
	}
	if len(problems) > 0 && problems[len(problems)-1].Stopped {
		tb.FailNow()
	}
	return v, err
}

// A Problem is a check of CancelAtEveryAwait that failed.
type Problem struct {
	// Run numbers the run it was found in: run n cancelled the operation at
	// its n-th await point; the last run reached no new one.
	Run int
	// Point is the await point the run was cancelled at: the file:line and
	// function of the Await, then the stack above it. It is empty for the
	// last run and for problems that stopped the exploration.
	Point string
	// Where says which run it was, in words, for messages.
	Where string
	// Text says what broke and what usually causes it.
	Text string
	// Stopped reports that the exploration stopped here: the operation has
	// too many await points, or its clock never runs out of pending calls.
	Stopped bool
}

func (p Problem) String() string {
	return "deferredtest: " + p.Where + ":\n\t" + p.Text
}

// Explore does what CancelAtEveryAwait does and returns the problems it
// finds instead of reporting them to a test, with the last run's result:
// for tests that check which problems an operation has, and for tools.
// It returns no problem when the operation survives cancellation at every
// await point.
func Explore[T any](start func(clock *Clock) *deferred.Deferred[T], opts ...Option) (problems []Problem, v T, err error) {
	cfg := config{maxPoints: 1000, settleSteps: 100000}
	for _, o := range opts {
		o(&cfg)
	}
	clock := cfg.clock
	if clock == nil {
		clock = new(Clock)
	}

	harnessMu.Lock()
	defer harnessMu.Unlock()
	h := &harness{seen: make(map[string]bool)}
	defer deferred.SetAwaitHook(deferred.SetAwaitHook(h.awaitHook))
	defer deferred.SetUnhandledHook(deferred.SetUnhandledHook(h.unhandled))
	defer logcontext.SetMisuseHook(logcontext.SetMisuseHook(h.misused))

	for n := 1; ; n++ {
		if n > cfg.maxPoints {
			return append(problems, Problem{
				Run: n, Where: fmt.Sprintf("run %d", n), Stopped: true,
				Text: fmt.Sprintf("more than %d await points; raise it with MaxAwaitPoints if the operation really has that many", cfg.maxPoints),
			}), v, err
		}
		r := runOnce(h, clock, start, cfg, n)
		problems = append(problems, r.problems...)
		if r.stopped || r.point == nil {
			return problems, r.value, r.err
		}
	}
}

// An Option configures CancelAtEveryAwait.
type Option func(*config)

type config struct {
	clock       *Clock
	bystander   bool
	maxPoints   int
	settleSteps int
}

// WithClock makes the harness pass c to start, instead of a new Clock: for
// an operation whose environment was built with a clock of its own. The
// clock is shared by all runs and only moves forward.
func WithClock(c *Clock) Option { return func(cfg *config) { cfg.clock = c } }

// WithBystander makes the harness start a second, uncancelled run of the
// operation beside each cancelled one, once the cancelled run is blocked at
// its await point, and require that the second run is not cancelled with
// it. Use it for operations that can run twice at once, such as reads: it
// catches a Deferred that the two share (a cache of in-flight loads) and
// that the first one's cancellation cancels for both.
func WithBystander() Option { return func(cfg *config) { cfg.bystander = true } }

// MaxAwaitPoints bounds the number of await points explored (1000 by
// default), so that an operation whose await points never run out fails
// instead of running forever.
func MaxAwaitPoints(n int) Option {
	if n < 1 {
		panic("deferredtest: MaxAwaitPoints needs n >= 1")
	}
	return func(cfg *config) { cfg.maxPoints = n }
}

// harnessMu serializes harness runs: their hooks are process-wide.
var harnessMu sync.Mutex

type harness struct {
	mu        sync.Mutex
	seen      map[string]bool // await points already cancelled at
	armed     bool            // looking for the first new await point
	point     *awaitPoint     // the point found in this run
	gate      *deferred.Deferred[struct{}]
	unhandles []deferred.UnhandledError
	misuses   []logcontext.Misuse
}

type awaitPoint struct {
	key    string
	frames []runtime.Frame
}

// String names the point by the Await's file:line and function, then the
// stack above it.
func (p *awaitPoint) String() string {
	var b strings.Builder
	for i, f := range p.frames {
		if i > 0 {
			b.WriteString("\n\t\tcalled from ")
		}
		fmt.Fprintf(&b, "%s:%d (%s)", f.File, f.Line, shortFunc(f.Function))
	}
	return b.String()
}

func (h *harness) awaitHook(ap deferred.AwaitPoint) *deferred.Deferred[struct{}] {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.armed {
		return nil
	}
	p := pointOf(ap)
	if p == nil || h.seen[p.key] {
		return nil
	}
	h.seen[p.key] = true
	h.armed = false
	h.point = p
	h.gate = deferred.New[struct{}](nil)
	return h.gate
}

func (h *harness) unhandled(u deferred.UnhandledError) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.unhandles = append(h.unhandles, u)
}

func (h *harness) misused(m logcontext.Misuse) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.misuses = append(h.misuses, m)
}

type runResult[T any] struct {
	point    *awaitPoint // nil for the last run
	value    T
	err      error
	problems []Problem
	stopped  bool // a problem stopped the exploration
}

// runOnce runs the operation until it reaches a new await point, cancels
// it there and checks the outcome; or, if it reaches none, runs it to its
// end. n numbers the run, for messages.
func runOnce[T any](h *harness, clock *Clock, start func(*Clock) *deferred.Deferred[T], cfg config, n int) (r runResult[T]) {
	deferred.StopIdleCoroutines()
	goroutines := runtime.NumGoroutine()
	h.mu.Lock()
	h.armed, h.point, h.gate = true, nil, nil
	h.unhandles, h.misuses = nil, nil
	h.mu.Unlock()
	stuck := func() runResult[T] {
		r.stopped = true
		r.problems = append(r.problems, Problem{
			Run: n, Where: fmt.Sprintf("run %d", n), Stopped: true,
			Text: fmt.Sprintf("the clock still has calls pending after %d steps; the operation polls forever?", cfg.settleSteps),
		})
		return r
	}

	op := start(clock)
	// Go on until the operation reaches a new await point or ends.
	for steps := 0; ; steps++ {
		h.mu.Lock()
		found := h.point != nil
		h.mu.Unlock()
		if found || op.Called() || !step(clock) {
			break
		}
		if steps >= cfg.settleSteps {
			return stuck()
		}
	}
	h.mu.Lock()
	h.armed = false
	point, gate := h.point, h.gate
	h.mu.Unlock()
	r.point = point
	report := func(where, text string) {
		p := Problem{Run: n, Where: where, Text: text}
		if point != nil {
			p.Point = point.String()
		}
		r.problems = append(r.problems, p)
	}

	if point == nil {
		// The last run: it reached no new await point.
		if !settle(clock, cfg) {
			return stuck()
		}
		var ok bool
		r.value, r.err, ok = result(op)
		where := fmt.Sprintf("the last run (%d), which reached no new await point", n)
		switch {
		case !ok:
			report(where, "the operation never finished: it waits on something the clock does not drive")
		case errors.Is(r.err, deferred.ErrCancelled):
			report(where, fmt.Sprintf("the operation failed with %v although nothing cancelled it: a cancellation from an earlier run leaked into it (a shared Deferred, cancelled under another waiter and left in a cache?)", r.err))
		}
		h.check(report, where, goroutines)
		return r
	}

	where := fmt.Sprintf("cancelled at await point %d, %s", n, point)
	if op.Called() {
		// The point was reached after the operation ended: background work
		// that its cancel cannot reach. Let it go on.
		gate.Callback(struct{}{})
		if !settle(clock, cfg) {
			return stuck()
		}
		h.check(report, fmt.Sprintf("await point %d (reached after the operation ended), %s", n, point), goroutines)
		return r
	}
	var bystander *deferred.Deferred[T]
	if cfg.bystander {
		bystander = start(clock)
	}
	op.CancelWithReason("deferredtest: cancelled at an await point")
	if !gate.Called() {
		// The cancel did not reach the blocked Await (it is in work the
		// operation does not wait on): release it.
		gate.Callback(struct{}{})
	}
	if !settle(clock, cfg) {
		return stuck()
	}

	_, err, ok := result(op)
	switch {
	case !ok:
		report(where, "the operation did not finish after it was cancelled: it waits on something the cancel did not reach")
	case err == nil:
		report(where, "the operation succeeded after it was cancelled: the *CancelledError was swallowed")
	case !errors.Is(err, deferred.ErrCancelled):
		report(where, fmt.Sprintf("the operation failed with %q, which is not a cancellation: the *CancelledError was replaced (caught and turned into another error, or wrapped without %%w)", err))
	}
	if bystander != nil {
		_, berr, bok := result(bystander)
		switch {
		case !bok:
			report(where, "the uncancelled bystander run never finished")
		case errors.Is(berr, deferred.ErrCancelled):
			report(where, fmt.Sprintf("the uncancelled bystander run failed with %v: a Deferred shared between the runs was cancelled under it (wrap it in deferred.StopCancellation, or give each waiter its own with an Observable)", berr))
		}
	}
	h.check(report, where, goroutines)
	return r
}

// check reports the misuses of finished logging contexts, the unhandled
// failures and the goroutines left behind since the run started.
func (h *harness) check(report func(where, text string), where string, goroutines int) {
	deferred.ReportUnhandled()
	h.mu.Lock()
	misuses, unhandles := h.misuses, h.unhandles
	h.mu.Unlock()
	for _, m := range misuses {
		report(where, fmt.Sprintf("a finished logging context was used: %v (work started with logcontext.RunInBackground outlived the request: await it through deferred.DelayCancellation, or start it with logcontext.RunAsBackgroundProcess)", m))
	}
	for _, u := range unhandles {
		report(where, fmt.Sprintf("a Deferred was dropped with an unhandled failure: %v", u))
	}
	if left := goroutinesLeft(goroutines); left > 0 {
		report(where, fmt.Sprintf("%d goroutine(s) left behind (an async function suspended forever on a Deferred that never fires?):\n%s", left, allStacks()))
	}
}

// step runs the clock's next pending call, reporting false if there is none.
func step(c *Clock) bool {
	pending := c.Pending()
	if len(pending) == 0 {
		return false
	}
	c.Advance(max(pending[0].Sub(c.Now()), 0))
	return true
}

// settle advances the clock until no call is pending, and reports false if
// calls were still pending after the configured number of steps.
func settle(c *Clock, cfg config) bool {
	for steps := 0; step(c); steps++ {
		if steps >= cfg.settleSteps {
			return false
		}
	}
	return true
}

// result reads op's result and handles it: the harness is its last reader.
func result[T any](op *deferred.Deferred[T]) (v T, err error, ok bool) {
	op.AddBoth(func(rv T, rerr error) (T, error) {
		v, err, ok = rv, rerr, true
		return rv, nil
	})
	return v, err, ok
}

// runtimePackages are the packages whose frames end the stack of an await
// point: the runtime's coroutine machinery, not the code under test.
var runtimePackages = []string{
	"github.com/cancelcheck/cancelcheck/deferred",
	"github.com/cancelcheck/cancelcheck/deferred/logcontext",
	"github.com/cancelcheck/cancelcheck/deferred/deferredhttp",
	"iter",
	"runtime",
	"testing",
}

// pointOf identifies an await point by the frames from the call of Await
// out to the async function's entry.
func pointOf(ap deferred.AwaitPoint) *awaitPoint {
	frames := ap.Frames()
	p := &awaitPoint{}
	var key strings.Builder
	for {
		f, more := frames.Next()
		if f.Function != "" && isRuntimeFrame(f.Function) {
			break
		}
		if f.Function != "" {
			p.frames = append(p.frames, f)
			fmt.Fprintf(&key, "%s:%d;", f.Function, f.Line)
		}
		if !more {
			break
		}
	}
	if len(p.frames) == 0 {
		return nil
	}
	p.key = key.String()
	return p
}

func isRuntimeFrame(function string) bool {
	pkg := funcPackage(function)
	for _, r := range runtimePackages {
		if pkg == r {
			return true
		}
	}
	return false
}

// funcPackage returns the import path of a function name as runtime.Frame
// gives it, such as "example.com/a/b.(*T).M.func1" → "example.com/a/b".
func funcPackage(function string) string {
	slash := strings.LastIndexByte(function, '/')
	dot := strings.IndexByte(function[slash+1:], '.')
	if dot < 0 {
		return function
	}
	return function[:slash+1+dot]
}

// shortFunc drops the import path's directories: "b.(*T).M".
func shortFunc(function string) string {
	return function[strings.LastIndexByte(function, '/')+1:]
}
