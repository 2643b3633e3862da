package shareddeferred_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/shareddeferred"
)

// Synapse's "Creation of Deferreds" examples and the shapes around them:
// Bad found at the return that hands the Deferred out, Good and OK silent.
func TestRooms(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/rooms")
}

// Fields of a long-lived value, generics, closures.
func TestServer(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/server")
}

// A loader in another package: reported at the call in the entry point's
// package, naming the loader's position; the library alone is silent.
func TestAcrossPackages(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/app", "shareddeferred/lib")
}

// The fix wraps the shared Deferred in StopCancellation where it is handed
// out, under the name the file imports the runtime as; a file that does
// not import it gets no fix.
func TestFixes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/fix")
}

// With no entry point the bad code is silent: every expectation of the
// fixture (written for -all) goes unmatched, and nothing else is reported.
func TestNoEntrySilent(t *testing.T) {
	var c collector
	analysistest.Run(&c, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/noentry")
	for _, msg := range c.errs {
		if !strings.Contains(msg, "no diagnostic was reported matching") {
			t.Error(msg)
		}
	}
	if len(c.errs) != 2 {
		t.Errorf("got %d unmatched expectations, want 2: %q", len(c.errs), c.errs)
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
	analysistest.Run(t, dir, shareddeferred.Analyzer, "shareddeferred/noentry")
}

// setAll sets the -all flag for the rest of the test.
func setAll(t *testing.T, on bool) {
	t.Helper()
	flag := shareddeferred.Analyzer.Flags.Lookup("all")
	old := flag.Value.String()
	if err := flag.Value.Set(strconv.FormatBool(on)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { flag.Value.Set(old) })
}
