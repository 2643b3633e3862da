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
