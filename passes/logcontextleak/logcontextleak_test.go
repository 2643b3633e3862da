package logcontextleak_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/logcontextleak"
)

// Synapse's "Uncancelled processing" examples and the shapes around them:
// Bad found, Good and OK silent.
func TestCache(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), logcontextleak.Analyzer, "logcontextleak/cache")
}

// Work started in another package: reported at the call in the entry
// point's package; the library alone is silent.
func TestAcrossPackages(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), logcontextleak.Analyzer, "logcontextleak/app", "logcontextleak/work")
}

// The fixes: DelayCancellation around the shielded wait, or
// RunAsBackgroundProcess for work that is never awaited.
func TestFixes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, fixture.GOPATH(t), logcontextleak.Analyzer, "logcontextleak/fix")
}

// With no entry point the bad code is silent.
func TestNoEntrySilent(t *testing.T) {
	fixture.AssertSilent(t, logcontextleak.Analyzer, "logcontextleak/noentry")
}

// -all reports the bad code that no entry point reaches.
func TestAll(t *testing.T) {
	fixture.SetFlag(t, logcontextleak.Analyzer, "all", "true")
	analysistest.Run(t, fixture.GOPATH(t), logcontextleak.Analyzer, "logcontextleak/noentry")
}

// Paths: work dropped on a path (a cache hit, an early error), work kept
// in wait lists (waited for only when the list is), helpers that wait for
// what they are given, work handed back through WithLock-style wrappers.
func TestPaths(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), logcontextleak.Analyzer, "logcontextleak/paths")
}

// Work started with deferred.RunContext or deferred.Go under a context
// derived from the Task's carries its logging context.
func TestTaskContext(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), logcontextleak.Analyzer, "logcontextleak/taskctx")
}

// Work started in plain Go (go statements, time.AfterFunc) that keeps the
// request's logger, LoggingContext, Task or a context derived from it,
// not waited for; silent when it is waited for or keeps nothing of the
// request.
func TestGoroutines(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), logcontextleak.Analyzer, "logcontextleak/goroutines")
}
