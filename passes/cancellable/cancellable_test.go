package cancellable_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

// TestFacts checks the summaries exported for each function, including
// summaries imported from another package.
func TestFacts(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), cancellable.Analyzer, "cancellable/facts", "cancellable/factsdep")
}
