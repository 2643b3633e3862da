package logcontextleak_test

import (
	"fmt"
	"strconv"
	"strings"
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

// With no entry point the bad code is silent: every expectation of the
// fixture (written for -all) goes unmatched, and nothing else is reported.
func TestNoEntrySilent(t *testing.T) {
	var c collector
	analysistest.Run(&c, fixture.GOPATH(t), logcontextleak.Analyzer, "logcontextleak/noentry")
	for _, msg := range c.errs {
		if !strings.Contains(msg, "no diagnostic was reported matching") {
			t.Error(msg)
		}
	}
	if len(c.errs) != 1 {
		t.Errorf("got %d unmatched expectations, want 1: %q", len(c.errs), c.errs)
	}
}

// collector records what analysistest reports instead of failing.
type collector struct{ errs []string }

func (c *collector) Errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

// With no entry point the bad code is silent; -all finds it.
func TestAll(t *testing.T) {
	dir := fixture.GOPATH(t)
	setAll(t, true)
	analysistest.Run(t, dir, logcontextleak.Analyzer, "logcontextleak/noentry")
}

// setAll sets the -all flag for the rest of the test.
func setAll(t *testing.T, on bool) {
	t.Helper()
	flag := logcontextleak.Analyzer.Flags.Lookup("all")
	old := flag.Value.String()
	if err := flag.Value.Set(strconv.FormatBool(on)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { flag.Value.Set(old) })
}
