package ctxerrcompare_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/ctxerrcompare"
)

// Comparisons and message tests that a wrapper defeats.
func TestBasic(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxerrcompare.Analyzer, "ctxerrcompare/basic")
}

// Correct tests stay silent.
func TestSilent(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxerrcompare.Analyzer, "ctxerrcompare/silent")
}

// The suggested fix.
func TestSuggestedFix(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, fixture.GOPATH(t), ctxerrcompare.Analyzer, "ctxerrcompare/fix")
}

// A helper of another package that compares with ==: judged at the calls
// that hand it a wrapped error, once per package; silent on its own.
func TestHelperAcrossPackages(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxerrcompare.Analyzer, "ctxerrcompare/app")
	fixture.AssertSilent(t, ctxerrcompare.Analyzer, "ctxerrcompare/lib")
}

// Context errors wrapped with github.com/pkg/errors, which is modelled.
func TestPkgErrors(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), ctxerrcompare.Analyzer, "ctxerrcompare/pkgerrors")
}
