package golangci

import (
	"strings"
	"testing"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/analyzers"
	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/cancellable"
	"github.com/cancelcheck/cancelcheck/passes/swallowedcancel"
)

// build constructs the plugin from settings the way golangci-lint does:
// by the registered name, from the YAML settings decoded as a map.
func build(t *testing.T, settings any) ([]*analysis.Analyzer, error) {
	t.Helper()
	newPlugin, err := register.GetPlugin(Name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlugin(settings)
	if err != nil {
		return nil, err
	}
	if mode := p.GetLoadMode(); mode != register.LoadModeTypesInfo {
		t.Errorf("load mode %q, want %q", mode, register.LoadModeTypesInfo)
	}
	return p.BuildAnalyzers()
}

func names(as []*analysis.Analyzer) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Name)
	}
	return strings.Join(s, ",")
}

func TestRules(t *testing.T) {
	every := names(analyzers.All)
	for _, tc := range []struct {
		name     string
		settings any
		want     string
	}{
		{"no settings", nil, every},
		{"empty settings", map[string]any{}, every},
		{"empty rules", map[string]any{"rules": []any{}}, every},
		{"some rules", map[string]any{"rules": []any{"firsterror", "swallowedcancel"}}, "firsterror,swallowedcancel"},
		{"a rule twice", map[string]any{"rules": []any{"firsterror", "firsterror"}}, "firsterror"},
	} {
		got, err := build(t, tc.settings)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if names(got) != tc.want {
			t.Errorf("%s: analyzers %s, want %s", tc.name, names(got), tc.want)
		}
	}
}

// all sets every rule's -all flag, and all: false (the default) clears it.
func TestAll(t *testing.T) {
	check := func(settings any, want string) {
		t.Helper()
		if _, err := build(t, settings); err != nil {
			t.Fatal(err)
		}
		for _, a := range analyzers.All {
			f := a.Flags.Lookup("all")
			if f == nil {
				continue // a context rule: it reports everywhere
			}
			if got := f.Value.String(); got != want {
				t.Errorf("settings %v: %s.all = %s, want %s", settings, a.Name, got, want)
			}
		}
	}
	check(map[string]any{"all": true}, "true")
	check(map[string]any{}, "false")
}

// entrypoints sets the cancellable pass's -entrypoints flag, and its
// absence clears it.
func TestEntryPoints(t *testing.T) {
	check := func(settings any, want string) {
		t.Helper()
		if _, err := build(t, settings); err != nil {
			t.Fatal(err)
		}
		if got := cancellable.Analyzer.Flags.Lookup("entrypoints").Value.String(); got != want {
			t.Errorf("settings %v: -entrypoints = %q, want %q", settings, got, want)
		}
	}
	check(map[string]any{"entrypoints": []any{"//api:handler", "//rpc:cancellable"}}, "//api:handler,//rpc:cancellable")
	check(map[string]any{}, "")
}

func TestBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings any
		want     []string
	}{
		{"unknown setting", map[string]any{"entry_points": []any{"//api:handler"}}, []string{`unknown field "entry_points"`, "rules, all and entrypoints"}},
		{"not a directive", map[string]any{"entrypoints": []any{"OnGet"}}, []string{"settings.entrypoints", `"OnGet" is not a directive`}},
		{"entrypoints not a list", map[string]any{"entrypoints": "//api:handler"}, []string{"bad settings", "entrypoints"}},
		{"unknown rule", map[string]any{"rules": []any{"swalowedcancel"}}, []string{`unknown rule "swalowedcancel"`, "swallowedcancel, firsterror"}},
		{"wrong type", map[string]any{"all": "yes"}, []string{"bad settings", "all"}},
		{"rules not a list", map[string]any{"rules": "firsterror"}, []string{"bad settings", "rules"}},
	} {
		_, err := build(t, tc.settings)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, want := range append(tc.want, "cancelcheck: ") {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not say %q", tc.name, err, want)
			}
		}
	}
}

// golangci-lint makes an issue of each related position of a
// diagnostic: the plugin's findings have none (the message names the call
// path), though the suite's have them.
func TestNoRelatedIssues(t *testing.T) {
	rules, err := build(t, map[string]any{"rules": []any{"swallowedcancel"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range analysistest.Run(t, fixture.GOPATH(t), rules[0], "swallowedcancel/crossapp") {
		for _, d := range r.Diagnostics {
			n++
			if len(d.Related) > 0 {
				t.Errorf("%s: %d related positions, want none", r.Pass.Fset.Position(d.Pos), len(d.Related))
			}
		}
	}
	// The plugin set the suite's -inline, as golangci-lint's process
	// would keep it; the suite as go vet runs it has it off.
	if err := cancellable.Analyzer.Flags.Lookup("inline").Value.Set("false"); err != nil {
		t.Fatal(err)
	}
	related := 0
	// The fixture's wants are written for inline messages: here only the
	// related positions count.
	for _, r := range analysistest.Run(ignoreWants{}, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/crossapp") {
		for _, d := range r.Diagnostics {
			related += len(d.Related)
		}
	}
	if n == 0 || related == 0 {
		t.Errorf("%d findings, the suite's with %d related positions: want some of each", n, related)
	}
}

// ignoreWants runs an analysistest without checking its // want comments.
type ignoreWants struct{}

func (ignoreWants) Errorf(string, ...any) {}

// golangci-lint prefixes each message with the analyzer's name; the
// plugin's analyzers report the messages without cancelcheck's own
// prefix, so that it does not appear twice.
func TestMessagesUnprefixed(t *testing.T) {
	rules, err := build(t, map[string]any{"rules": []any{"swallowedcancel"}})
	if err != nil {
		t.Fatal(err)
	}
	results := analysistest.Run(t, fixture.GOPATH(t), rules[0], "swallowedcancel/ignore")
	n := 0
	for _, r := range results {
		for _, d := range r.Diagnostics {
			n++
			if strings.HasPrefix(d.Message, "swallowedcancel:") {
				t.Errorf("message %q keeps the rule's prefix", d.Message)
			}
		}
	}
	if n == 0 {
		t.Error("no diagnostics")
	}
}
