package firsterror_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/firsterror"
)

// The defer.gatherResults examples of Synapse's guide: Bad found, Good
// silent.
func TestSynapse(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), firsterror.Analyzer, "firsterror/synapse")
}

// Tests that a wrapper defeats, and the right ones.
func TestChecks(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), firsterror.Analyzer, "firsterror/checks")
}

// deferred.Wait's error is a cancellation when its context ends; plain Go
// code tests it, with -all since it is no entry point's.
func TestWait(t *testing.T) {
	fixture.SetFlag(t, firsterror.Analyzer, "all", "true")
	analysistest.Run(t, fixture.GOPATH(t), firsterror.Analyzer, "firsterror/bridge")
}

// Wrapping that cuts the chain, and wrapping that keeps it.
func TestCuts(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), firsterror.Analyzer, "firsterror/cuts")
}

// The FirstError flag and the problems cross packages through facts.
func TestAcrossPackages(t *testing.T) {
	fixture.SetFlag(t, firsterror.Analyzer, "all", "true")
	analysistest.Run(t, fixture.GOPATH(t), firsterror.Analyzer, "firsterror/crosslib")
	fixture.SetFlag(t, firsterror.Analyzer, "all", "false")
	analysistest.Run(t, fixture.GOPATH(t), firsterror.Analyzer, "firsterror/crossapp")
}

// The suggested fixes: errors.Is for ==, UnwrapFirstError before a type
// assertion or switch, %w for %v and %s (not %q, which changes the text).
func TestSuggestedFix(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, fixture.GOPATH(t), firsterror.Analyzer, "firsterror/fix")
}
