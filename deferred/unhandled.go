package deferred

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"weak"
)

// UnhandledError describes a Deferred that was garbage collected while its
// result was a failure nothing had handled: Twisted's "Unhandled error in
// Deferred". It also reports a canceller that panicked after firing its
// Deferred (the result stands, so the panic has nowhere else to go); Type
// then reads "canceller of *deferred.Deferred[int]".
type UnhandledError struct {
	Err  error  // the failure
	Type string // the Deferred's type, such as "*deferred.Deferred[int]"
}

func (u UnhandledError) Error() string {
	return fmt.Sprintf("unhandled error in %s: %v", u.Type, u.Err)
}

// A failure tracks one Deferred whose result is an unhandled error. It does
// not keep the Deferred alive: the runtime's cleanup, or ReportUnhandled,
// reports it once the Deferred is unreachable.
type failure struct {
	info    UnhandledError
	alive   func() bool
	cleanup runtime.Cleanup
	done    bool // handled or reported; guarded by registry.mu
}

var registry struct {
	mu   sync.Mutex
	live map[*failure]struct{}
	hook func(UnhandledError)
	// inFlight counts the reports taken up (takeLocked) whose hook call has
	// not returned; ReportUnhandled waits on settled until there are none.
	inFlight int
	settled  sync.Cond
}

func init() { registry.settled.L = &registry.mu }

// hookMu makes hook calls one at a time. The hook runs without registry.mu
// held, so that it may create, fire and drop Deferreds of its own.
var hookMu sync.Mutex

func defaultUnhandledHook(u UnhandledError) {
	slog.Error("Unhandled error in Deferred", "type", u.Type, "error", u.Err)
}

// SetUnhandledHook installs h as the function that receives every unhandled
// failure and returns the previous hook; nil restores the default, which
// logs with log/slog at level Error. The hook is called from the runtime's
// cleanup goroutine or from ReportUnhandled, one call at a time; it must not
// call ReportUnhandled or SetUnhandledHook.
func SetUnhandledHook(h func(UnhandledError)) (previous func(UnhandledError)) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	previous = registry.hook
	if previous == nil {
		previous = defaultUnhandledHook
	}
	registry.hook = h
	return previous
}

// ReportUnhandled runs a garbage collection and reports, before it returns,
// every Deferred that has become unreachable while holding an unhandled
// failure; it also waits for the reports that the runtime's cleanups are
// making. Without it the reports come when the runtime runs its cleanups;
// tests call it to make the check happen at a known point.
func ReportUnhandled() {
	runtime.GC()
	var due []UnhandledError
	registry.mu.Lock()
	for f := range registry.live {
		if !f.alive() {
			due = append(due, f.takeLocked())
		}
	}
	registry.mu.Unlock()
	for _, u := range due {
		deliver(u)
	}
	registry.mu.Lock()
	for registry.inFlight > 0 {
		registry.settled.Wait()
	}
	registry.mu.Unlock()
}

// trackLocked starts or stops tracking d's result as an unhandled failure.
// d.mu is held.
func (d *Deferred[T]) trackLocked() {
	if d.err == nil || d.flags&flagHandled != 0 {
		if f := d.failure; f != nil {
			d.failure = nil
			f.stop()
		}
		return
	}
	if f := d.failure; f != nil {
		if f.info.Err == d.err {
			return
		}
		d.failure = nil
		f.stop()
	}
	wp := weak.Make(d)
	f := &failure{
		info:  UnhandledError{Err: d.err, Type: fmt.Sprintf("%T", d)},
		alive: func() bool { return wp.Value() != nil },
	}
	registry.mu.Lock()
	if registry.live == nil {
		registry.live = make(map[*failure]struct{})
	}
	registry.live[f] = struct{}{}
	registry.mu.Unlock()
	f.cleanup = runtime.AddCleanup(d, collected, f)
	d.failure = f
}

func collected(f *failure) {
	registry.mu.Lock()
	if f.done {
		registry.mu.Unlock()
		return
	}
	u := f.takeLocked()
	registry.mu.Unlock()
	deliver(u)
}

// takeLocked ends the tracking of f, which is due to be reported: the
// caller must deliver the report.
func (f *failure) takeLocked() UnhandledError {
	f.done = true
	delete(registry.live, f)
	registry.inFlight++
	return f.info
}

// deliver makes a report taken up by takeLocked.
func deliver(u UnhandledError) {
	defer func() {
		registry.mu.Lock()
		registry.inFlight--
		if registry.inFlight == 0 {
			registry.settled.Broadcast()
		}
		registry.mu.Unlock()
	}()
	reportNow(u)
}

// reportNow hands u to the hook.
func reportNow(u UnhandledError) {
	hookMu.Lock()
	defer hookMu.Unlock()
	registry.mu.Lock()
	h := registry.hook
	registry.mu.Unlock()
	if h == nil {
		h = defaultUnhandledHook
	}
	h(u)
}

func (f *failure) stop() {
	f.cleanup.Stop()
	registry.mu.Lock()
	f.done = true
	delete(registry.live, f)
	registry.mu.Unlock()
}
