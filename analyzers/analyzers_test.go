package analyzers_test

import (
	"testing"

	"golang.org/x/tools/go/analysis"

	"github.com/cancelcheck/cancelcheck/analyzers"
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
