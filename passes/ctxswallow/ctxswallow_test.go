package ctxswallow_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/ctxswallow"
)

// Cancellations reported as success, and retry loops blind to their
// context.
func TestSwallows(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxswallow.Analyzer, "ctxswallow/swallows")
}

// Workers, own timeouts, best-effort work, loops over items and loops that
// look at their context stay silent.
func TestIdioms(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxswallow.Analyzer, "ctxswallow/idioms")
}

// A retry helper in another package, given a function that fails with a
// context error: reported at the call; given one that does not: silent.
// The helper alone is silent.
func TestParamCalls(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxswallow.Analyzer, "ctxswallow/retryapp")
	fixture.AssertSilent(t, ctxswallow.Analyzer, "ctxswallow/retrylib")
}

// The suggested fix.
func TestSuggestedFix(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, fixture.GOPATH(t), ctxswallow.Analyzer, "ctxswallow/fix")
}
