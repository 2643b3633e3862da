package logcontext

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
)

// A Use is a way of using a logging context.
type Use uint8

const (
	// Logged: a record was written through the context's logger.
	Logged Use = iota + 1
	// Started: work was started in the context (RunInBackground from a
	// task running in it, or RunIn with it).
	Started
	// Resumed: a task running in the context resumed from an Await after
	// its request finished. The runtime does not announce resumptions, so
	// this is seen when the task ends (deferred.Task.Resumes tells whether
	// it resumed since the finish); a task that stays suspended forever is
	// never seen, and one that was running when the request finished is
	// not reported for going on until its next Await.
	Resumed
)

func (u Use) String() string {
	switch u {
	case Logged:
		return "logged"
	case Started:
		return "started work"
	case Resumed:
		return "resumed"
	}
	return fmt.Sprintf("Use(%d)", uint8(u))
}

// A Misuse is a use of a finished logging context: the Go form of
// Synapse's "Re-starting finished log context". It usually means that work
// started with RunInBackground outlived the request that started it.
type Misuse struct {
	// Context is the finished context: the root context (request or
	// background process) that By belongs to.
	Context *LoggingContext
	// By is the context whose code made the use: Context, or the
	// background work started in it.
	By  *LoggingContext
	Use Use
}

func (m Misuse) String() string {
	if m.By == m.Context {
		return fmt.Sprintf("Re-starting finished log context %s: %s after it finished", m.Context, m.Use)
	}
	return fmt.Sprintf("Re-starting finished log context %s (used by %s): %s after it finished", m.Context, m.By, m.Use)
}

var misuseHook atomic.Pointer[func(Misuse)]

// SetMisuseHook installs h to receive every reported misuse and returns the
// previous hook (nil if none); nil removes it. Whatever the hook, each
// misuse is also logged as a warning, "Re-starting finished log context",
// through the finished context's base logger (untagged: it is no use of the
// context), with the names of both contexts ("context" and "used_by") and
// the use. The hook is called on the
// goroutine that made the use, possibly from several at once.
//
// Each context is reported once, at its first use after it finished; later
// uses by the same context add nothing to what the first report said.
func SetMisuseHook(h func(Misuse)) (previous func(Misuse)) {
	var p *func(Misuse)
	if h != nil {
		p = &h
	}
	if old := misuseHook.Swap(p); old != nil {
		return *old
	}
	return nil
}

// misuse reports the use u by c if the request c belongs to has finished,
// unless c has been reported already.
func (c *LoggingContext) misuse(u Use) {
	if c == Sentinel || !c.root.finished.Load() || !c.reported.CompareAndSwap(false, true) {
		return
	}
	slog.New(c.root.base).Warn("Re-starting finished log context",
		"context", c.root.name, "used_by", c.name, "use", u.String())
	if h := misuseHook.Load(); h != nil {
		(*h)(Misuse{Context: c.root, By: c, Use: u})
	}
}

// handler tags records with the request (through inner) and reports
// records written after the context finished.
type handler struct {
	c     *LoggingContext
	inner slog.Handler
}

// Enabled reports a use too: a record below the level is still a use of the
// finished context, and a leak must not hide behind the log level.
func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	h.c.misuse(Logged)
	return h.inner.Enabled(ctx, level)
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	h.c.misuse(Logged)
	return h.inner.Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &handler{c: h.c, inner: h.inner.WithAttrs(attrs)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{c: h.c, inner: h.inner.WithGroup(name)}
}
