package cancellable_test

import (
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/cancellable"
	"github.com/cancelcheck/cancelcheck/passes/swallowedcancel"
)

// setEntryPoints sets the pass's -entrypoints flag for the rest of a test.
func setEntryPoints(t *testing.T, value string) error {
	t.Helper()
	f := cancellable.Analyzer.Flags.Lookup("entrypoints")
	old := f.Value.String()
	t.Cleanup(func() {
		if err := f.Value.Set(old); err != nil {
			t.Error(err)
		}
	})
	return f.Value.Set(value)
}

// Functions declared with a directive given to -entrypoints are entry
// points, as with //cancelcheck:cancellable.
func TestEntryPointDirectives(t *testing.T) {
	if err := setEntryPoints(t, "//api:handler, //rpc:cancellable"); err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "cancellable/entrypoints")
}

// Without the flag, the same code has no entry point.
func TestEntryPointDirectivesUnset(t *testing.T) {
	fixture.AssertSilent(t, swallowedcancel.Analyzer, "cancellable/entrypoints")
}

func TestEntryPointDirectivesSyntax(t *testing.T) {
	for _, tc := range []struct {
		value, want, err string
	}{
		{"//api:handler", "//api:handler", ""},
		{" //api:handler ,//rpc:cancellable,", "//api:handler,//rpc:cancellable", ""},
		{"//my-team.api:on_get", "//my-team.api:on_get", ""},
		{"", "", ""},
		{"api:handler", "", "is not a directive"},
		{"// api:handler", "", "is not a directive"},
		{"//api", "", "is not a directive"},
		{"//api:handler GET", "", "is not a directive"},
		{"//cancelcheck:cancellable", "", "cancelcheck's own"},
	} {
		err := setEntryPoints(t, tc.value)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("-entrypoints=%q: %v", tc.value, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("-entrypoints=%q: error %v, want one saying %q", tc.value, err, tc.err)
		case tc.err == "":
			if got := cancellable.Analyzer.Flags.Lookup("entrypoints").Value.String(); got != tc.want {
				t.Errorf("-entrypoints=%q: value %q, want %q", tc.value, got, tc.want)
			}
		}
	}
}
