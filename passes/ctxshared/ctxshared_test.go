package ctxshared_test

import (
	"os"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/cancellable"
	"github.com/cancelcheck/cancelcheck/passes/ctxshared"
)

// The fixtures' wants match why a finding is wrong as well as what is
// wrong: -inline puts it in the message, where analysistest looks.
func TestMain(m *testing.M) {
	cancellable.Analyzer.Flags.Set("inline", "true")
	os.Exit(m.Run())
}

// singleflight (the real golang.org/x/sync package) and sync.Once
// closures under one caller's context.
func TestShares(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxshared.Analyzer, "ctxshared/shares")
}

// Detached, background, server-owned and unused contexts stay silent.
func TestDetached(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxshared.Analyzer, "ctxshared/detached")
}

// A singleflight of the code base's own is recognised by its shape; a
// method Do of another shape is not one.
func TestLookalike(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxshared.Analyzer, "ctxshared/lookalike")
}

// The suggested fix: a detached context with a timeout of its own at the
// top of the shared closure, where no name clashes.
func TestFix(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, fixture.GOPATH(t), ctxshared.Analyzer, "ctxshared/fix")
}

// Findings in generated files are left out, and reported with
// -generated; the same code written by hand is reported.
func TestGenerated(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxshared.Analyzer, "ctxshared/generated")
	if err := cancellable.Analyzer.Flags.Set("generated", "true"); err != nil {
		t.Fatal(err)
	}
	defer cancellable.Analyzer.Flags.Set("generated", "false")
	analysistest.Run(t, fixture.GOPATH(t), ctxshared.Analyzer, "ctxshared/generatedflag")
}
