package swallowedcancel_test

import (
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/cancellable"
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

// The functions that GatherEach and ConcurrentlyExecute call are in the
// caller's call tree.
func TestRuntimeHelpers(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/helpers")
}

// Helpers that call a function they are given swallow its cancellation
// only when it may fail with one.
func TestParamCalls(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/paramcalls")
}

// A layered program: the entry point (api) calls through an interface
// (service.Repo) implemented in a package it never sees (store); the
// package that wires them (app) reports the implementation's problem at
// the conversion, with the call path through the interface.
func TestLayered(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/layered/app")
	fixture.AssertSilent(t, swallowedcancel.Analyzer, "swallowedcancel/layered/api", "swallowedcancel/layered/store")
}

// Calls given the Task whose callee is out of sight may await: their
// errors are sources.
func TestUnseenCallees(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/unseen")
}

// Correct code stays silent.
func TestSilent(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/silent")
}

// Problems in another package are reported at the call that reaches them,
// through facts; the library itself is silent without -all.
func TestAcrossPackages(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/crossapp")
	fixture.AssertSilent(t, swallowedcancel.Analyzer, "swallowedcancel/crosslib")
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
	fixture.AssertSilent(t, swallowedcancel.Analyzer, "swallowedcancel/noentry")
	fixture.SetFlag(t, swallowedcancel.Analyzer, "all", "true")
	analysistest.Run(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/noentry", "swallowedcancel/crosslib")
}

// The suggested fix re-raises cancellations at the top of the branch that
// handles the error, adding the imports it needs, and only where the edit
// is safe.
func TestSuggestedFix(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, fixture.GOPATH(t), swallowedcancel.Analyzer, "swallowedcancel/fix")
}

// A finding carries its call path as related information: each call on
// the path, then, for a problem in another package, the problem itself.
func TestRelated(t *testing.T) {
	fixture.SetFlag(t, cancellable.Analyzer, "inline", "false")
	want := map[string][]string{
		"crossapp.go:16:9": {
			"crossapp.go:16:9: the function returns normally, so cancelled work carries on as if nothing had happened",
			"crossapp.go:16:9: OnGet calls crosslib.Fetch",
			"crosslib.go:15:2: the problem, in crosslib.Fetch",
		},
		"crossapp.go:27:9": {
			"crossapp.go:27:9: the function returns normally, so cancelled work carries on as if nothing had happened",
			"crossapp.go:23:9: OnList calls list",
			"crossapp.go:27:9: list calls crosslib.Store.Get",
			"crosslib.go:30:55: crosslib.Store.Get calls crosslib.Fetch",
			"crosslib.go:15:2: the problem, in crosslib.Fetch",
		},
		// the problem is in OnPut itself: no call path
		"crossapp.go:36:2": {"crossapp.go:36:2: the function returns normally, so cancelled work carries on as if nothing had happened"},
	}
	for _, r := range fixture.Run(t, swallowedcancel.Analyzer, "swallowedcancel/crossapp") {
		fset := r.Pass.Fset
		for _, d := range r.Diagnostics {
			at := short(fset.Position(d.Pos))
			var got []string
			for _, rel := range d.Related {
				got = append(got, short(fset.Position(rel.Pos))+": "+rel.Message)
			}
			if w, ok := want[at]; !ok {
				t.Errorf("unexpected finding at %s", at)
			} else if !slices.Equal(got, w) {
				t.Errorf("finding at %s: related\n\t%s\nwant\n\t%s", at, strings.Join(got, "\n\t"), strings.Join(w, "\n\t"))
			}
			delete(want, at)
		}
	}
	for at := range want {
		t.Errorf("no finding at %s", at)
	}
}

// short is "base.go:line:col".
func short(p token.Position) string {
	return fmt.Sprintf("%s:%d:%d", filepath.Base(p.Filename), p.Line, p.Column)
}
