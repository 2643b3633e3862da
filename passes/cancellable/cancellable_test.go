package cancellable_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

// TestFacts checks the summaries exported for each function, including
// summaries imported from another package.
func TestFacts(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), cancellable.Analyzer, "cancellable/facts", "cancellable/factsdep")
}

// An internal error while analysing one function skips that function and
// nothing else.
func TestInternalErrorIsContained(t *testing.T) {
	defer cancellable.SetTestHook(func(fn *ssa.Function) {
		if fn.Name() == "boom" {
			panic("unexpected shape")
		}
	})()
	// A rule that also hands back the pass's Result.
	rule := &analysis.Analyzer{
		Name:       "rule",
		Doc:        "report swallowedcancel and return the cancellable Result",
		Requires:   []*analysis.Analyzer{cancellable.Analyzer},
		ResultType: reflect.TypeFor[*cancellable.Result](),
		Run: func(pass *analysis.Pass) (any, error) {
			res := pass.ResultOf[cancellable.Analyzer].(*cancellable.Result)
			res.Report(pass, cancellable.SwallowedCancel, cancellable.Options{})
			return res, nil
		},
	}
	for _, r := range analysistest.Run(t, fixture.GOPATH(t), rule, "cancellable/panics") {
		got := r.Result.(*cancellable.Result).Skipped()
		if len(got) != 1 || !strings.Contains(got[0], "boom: unexpected shape") {
			t.Errorf("Skipped() = %q, want boom", got)
		}
	}
}

// With -selftest, an internal error fails the package instead of skipping
// the function, so that a run over large code shows every one.
func TestSelfTestFailsOnInternalError(t *testing.T) {
	defer cancellable.SetTestHook(func(fn *ssa.Function) {
		if fn.Name() == "boom" {
			panic("unexpected shape")
		}
	})()
	fixture.SetFlag(t, cancellable.Analyzer, "selftest", "true")
	var rec errorRecorder
	analysistest.Run(&rec, fixture.GOPATH(t), cancellable.Analyzer, "cancellable/panics")
	if len(rec) != 1 || !strings.Contains(rec[0], "-selftest: internal errors: ") || !strings.Contains(rec[0], "boom: unexpected shape") {
		t.Errorf("analysistest reported %q, want the package failed naming boom", rec)
	}
}

// errorRecorder is a testing.T for analysistest.Run that records what it
// reports.
type errorRecorder []string

func (r *errorRecorder) Errorf(format string, args ...any) {
	*r = append(*r, fmt.Sprintf(format, args...))
}
