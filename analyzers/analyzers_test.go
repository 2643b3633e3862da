package analyzers_test

import (
	"testing"

	"golang.org/x/tools/go/analysis"

	"github.com/cancelcheck/cancelcheck/analyzers"
	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/firsterror"
	"github.com/cancelcheck/cancelcheck/passes/swallowedcancel"
)

func TestSuiteIsValid(t *testing.T) {
	if err := analysis.Validate(analyzers.All); err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	for _, a := range analyzers.All {
		if seen[a.Name] {
			t.Errorf("analyzer %s listed twice", a.Name)
		}
		seen[a.Name] = true
		if a.Flags.Lookup("all") == nil {
			t.Errorf("analyzer %s has no -all flag", a.Name)
		}
		if a.URL == "" || a.Doc == "" {
			t.Errorf("analyzer %s has no Doc or URL", a.Name)
		}
	}
}

// One problem gives one finding: on each rule's fixtures, the other rule
// is silent. (swallowedcancel and firsterror judge the same handlers, so
// this is where their precedence shows.)
func TestOneFindingPerProblem(t *testing.T) {
	pair := []*analysis.Analyzer{swallowedcancel.Analyzer, firsterror.Analyzer}
	for _, other := range pair {
		var pkgs []string
		for _, rule := range pair {
			if rule != other {
				pkgs = append(pkgs, fixture.Packages(t, rule.Name)...)
			}
		}
		t.Run(other.Name, func(t *testing.T) {
			fixture.AssertSilent(t, other, pkgs...)
		})
	}
}
