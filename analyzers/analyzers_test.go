package analyzers_test

import (
	"fmt"
	"path/filepath"
	"strings"
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
		if hasAll, ctx := a.Flags.Lookup("all") != nil, strings.HasPrefix(a.Name, "ctx"); hasAll == ctx {
			t.Errorf("analyzer %s: -all flag %v; want one exactly on the rules with entry points", a.Name, hasAll)
		}
		if a.URL == "" || a.Doc == "" {
			t.Errorf("analyzer %s has no Doc or URL", a.Name)
		}
	}
}

// One problem gives one finding: on each rule's fixtures, the other rule
// is silent. (swallowedcancel and firsterror judge the same handlers, so
// this is where their precedence shows.) The malformed directives of
// swallowedcancel/ignore are left to TestDirectiveProblemsOnce: a misspelt
// firsterror there is firsterror's to report.
func TestOneFindingPerProblem(t *testing.T) {
	pair := []*analysis.Analyzer{swallowedcancel.Analyzer, firsterror.Analyzer}
	for _, other := range pair {
		var pkgs []string
		for _, rule := range pair {
			if rule != other {
				for _, pkg := range fixture.Packages(t, rule.Name) {
					if pkg != "swallowedcancel/ignore" {
						pkgs = append(pkgs, pkg)
					}
				}
			}
		}
		t.Run(other.Name, func(t *testing.T) {
			fixture.AssertSilent(t, other, pkgs...)
		})
	}
}

// A malformed //cancelcheck: directive is reported once when the suite
// runs, by the rule it names or means (a misspelt name), else by
// swallowedcancel; and only by that rule when each runs alone.
func TestDirectiveProblemsOnce(t *testing.T) {
	want := map[string]string{ // file:line → the rule that reports it
		"ignore.go:27":    "swallowedcancel", // a known rule, no reason
		"malformed.go:15": "swallowedcancel", // no rule
		"malformed.go:20": "swallowedcancel", // swalowedcancel
		"malformed.go:25": "swallowedcancel", // not a rule's name at all
		"malformed.go:31": "firsterror",      // frsterror
		"malformed.go:40": "swallowedcancel", // an unknown directive
		"malformed.go:52": "swallowedcancel", // an entry-point directive out of place
	}
	got := make(map[string][]string)
	for _, a := range analyzers.All {
		for _, r := range fixture.Run(t, a, "swallowedcancel/ignore") {
			for _, d := range r.Diagnostics {
				if strings.Contains(d.Message, "//cancelcheck:") {
					posn := r.Pass.Fset.Position(d.Pos)
					at := fmt.Sprintf("%s:%d", filepath.Base(posn.Filename), posn.Line)
					got[at] = append(got[at], a.Name)
				}
			}
		}
	}
	for at, rule := range want {
		if rules := got[at]; len(rules) != 1 || rules[0] != rule {
			t.Errorf("%s: reported by %v, want %s alone", at, rules, rule)
		}
		delete(got, at)
	}
	for at, rules := range got {
		t.Errorf("%s: unexpected directive finding by %v", at, rules)
	}
}

// The limits of docs/analysis.md: the fixtures of testdata/src/limits hold
// hazards that the analysis does not see, and code silent by design; every
// rule is silent on them. A fix that makes one seen fails this test: move
// the case into the rule's fixtures with a want, and out of the Limits.
func TestLimits(t *testing.T) {
	for _, a := range analyzers.All {
		t.Run(a.Name, func(t *testing.T) {
			if a.Flags.Lookup("all") != nil {
				fixture.SetFlag(t, a, "all", "true")
			}
			fixture.AssertSilent(t, a, fixture.Packages(t, "limits")...)
		})
	}
}
