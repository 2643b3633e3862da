package cancellable_test

import (
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/cancellable"
	"github.com/cancelcheck/cancelcheck/passes/swallowedcancel"
)

// Functions declared with a directive given to -entrypoints are entry
// points, as with //cancelcheck:cancellable.
func TestEntryPointDirectives(t *testing.T) {
	fixture.SetFlag(t, cancellable.Analyzer, "entrypoints", "//api:handler, //rpc:cancellable")
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "cancellable/entrypoints")
}

// Without the flag, the same code has no entry point.
func TestEntryPointDirectivesUnset(t *testing.T) {
	fixture.AssertSilent(t, swallowedcancel.Analyzer, "cancellable/entrypoints")
}

func TestEntryPointDirectivesSyntax(t *testing.T) {
	fixture.SetFlag(t, cancellable.Analyzer, "entrypoints", "") // restored at the end
	flag := cancellable.Analyzer.Flags.Lookup("entrypoints")
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
		err := flag.Value.Set(tc.value)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("-entrypoints=%q: %v", tc.value, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("-entrypoints=%q: error %v, want one saying %q", tc.value, err, tc.err)
		case tc.err == "":
			if got := flag.Value.String(); got != tc.want {
				t.Errorf("-entrypoints=%q: value %q, want %q", tc.value, got, tc.want)
			}
		}
	}
}
