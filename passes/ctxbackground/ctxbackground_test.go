package ctxbackground_test

import (
	"os"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/cancellable"
	"github.com/cancelcheck/cancelcheck/passes/ctxbackground"
)

// The fixtures' wants match why a finding is wrong and its call path as
// well as what is wrong: -inline puts them in the message, where
// analysistest looks.
func TestMain(m *testing.M) {
	cancellable.Analyzer.Flags.Set("inline", "true")
	os.Exit(m.Run())
}

// Goroutines, errgroups, timers, pools and helpers under a request's
// context (net/http, gRPC), within a package.
func TestSpawns(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxbackground.Analyzer, "ctxbackground/spawns")
}

// Handlers of web frameworks of gin's and echo's shapes.
func TestFrameworks(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxbackground.Analyzer, "ctxbackground/frameworks")
}

// A library's spawn under a parameter's context is reported where a
// handler in another package passes it a request's context; the library
// alone is silent.
func TestAcrossPackages(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxbackground.Analyzer, "ctxbackground/app", "ctxbackground/notify")
}

// Work waited for, detached (before the spawn, inside it, in the callee),
// watchers, streams, stopped timers, futures and loops under an owner's
// context stay silent.
func TestWaits(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxbackground.Analyzer, "ctxbackground/waits")
}

// The suggested fixes: context.WithoutCancel around a go statement's
// argument, and a shadowing ctx at the top of a goroutine.
func TestFix(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, fixture.GOPATH(t), ctxbackground.Analyzer, "ctxbackground/fix")
}
