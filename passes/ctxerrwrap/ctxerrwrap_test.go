package ctxerrwrap_test

import (
	"strings"
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

// Where an error may be a context error for a certain reason and by a
// guess, the finding says where it comes from by the certain one.
func TestOriginPrefersCertain(t *testing.T) {
	n := 0
	for _, r := range analysistest.Run(t, fixture.GOPATH(t), ctxerrwrap.Analyzer, "ctxerrwrap/origins") {
		for _, d := range r.Diagnostics {
			n++
			var why []string
			for _, rel := range d.Related {
				why = append(why, rel.Message)
			}
			if text := strings.Join(why, "\n"); !strings.Contains(text, "it comes from http.Client.Do in open") {
				t.Errorf("%s: why %q does not name http.Client.Do", r.Pass.Fset.Position(d.Pos), text)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d findings, want 1", n)
	}
}
