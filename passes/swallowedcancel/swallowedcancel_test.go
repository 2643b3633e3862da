package swallowedcancel_test

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/swallowedcancel"
)

// The CancelledError examples of Synapse's guide: Bad found, Good and OK
// silent.
func TestSynapse(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/synapse")
}

// Problems one, two and three calls below the entry point.
func TestDepth(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/depth")
}

// Methods, closures, generics, loops, defer, recover, errbacks, blanks.
func TestShapes(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/shapes")
}

// Correct code stays silent.
func TestSilent(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/silent")
}

// Problems in another package are reported at the call that reaches them,
// through facts; the library itself is silent without -all.
func TestAcrossPackages(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/crossapp")
	assertSilent(t, "swallowedcancel/crosslib")
}

// Functions registered with a marks-cancellable function are entry
// points: the real HTTP adapter's Cancellable, one of this package,
// one of another package.
func TestRegistration(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/registration")
}

// //cancelcheck:ignore <rule> <reason> suppresses a finding on its line
// or the next; without a reason, the directive is reported.
func TestIgnore(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/ignore")
}

// Code that no entry point reaches is silent; -all reports it.
func TestAll(t *testing.T) {
	assertSilent(t, "swallowedcancel/noentry")
	setAll(t)
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/noentry", "swallowedcancel/crosslib")
}

func setAll(t *testing.T) {
	if err := swallowedcancel.Analyzer.Flags.Set("all", "true"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { swallowedcancel.Analyzer.Flags.Set("all", "false") })
}

// assertSilent checks that the analyzer reports nothing on a package whose
// `// want` comments describe what -all reports.
func assertSilent(t *testing.T, pkg string) {
	t.Helper()
	for _, r := range analysistest.Run(ignoreWants{t}, fixture.GOPATH(t), swallowedcancel.Analyzer, pkg) {
		for _, d := range r.Diagnostics {
			t.Errorf("%s: unexpected diagnostic without -all: %s", r.Pass.Fset.Position(d.Pos), d.Message)
		}
	}
}

// ignoreWants is a testing.T for analysistest.Run that ignores unmatched
// `// want` comments (and reports everything else).
type ignoreWants struct{ *testing.T }

func (t ignoreWants) Errorf(format string, args ...any) {
	if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "no diagnostic was reported matching") {
		t.T.Error(msg)
	}
}

// The suggested fix re-raises cancellations at the top of the branch that
// handles the error, adding the imports it needs, and only where the edit
// is safe.
func TestSuggestedFix(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/fix")
}
