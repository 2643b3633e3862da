package ctxerrwrap_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/ctxerrwrap"
)

// Formats, messages, error types without Unwrap, aggregates, helpers.
func TestCuts(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxerrwrap.Analyzer, "ctxerrwrap/cuts")
}

// %w, errors.Join, Unwrap methods, logging, and errors that are no
// context's stay silent.
func TestKeeps(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxerrwrap.Analyzer, "ctxerrwrap/keeps")
}

// The suggested fix.
func TestSuggestedFix(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, fixture.GOPATH(t), ctxerrwrap.Analyzer, "ctxerrwrap/fix")
}
