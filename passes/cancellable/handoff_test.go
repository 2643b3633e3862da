package cancellable

import (
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
)

// TestHandoffOddShapes runs the shareddeferred and logcontextleak
// detectors over unusual shapes and checks that no function was skipped
// after an internal error.
func TestHandoffOddShapes(t *testing.T) {
	check := &analysis.Analyzer{
		Name:     "handoffcheck",
		Doc:      "fails on internal errors of the cancellable pass",
		Requires: []*analysis.Analyzer{Analyzer},
		Run: func(pass *analysis.Pass) (any, error) {
			s := pass.ResultOf[Analyzer].(*Result).state
			if len(s.funcs) == 0 {
				t.Errorf("%s: nothing summarised", pass.Pkg.Path())
			}
			for _, e := range s.errs {
				t.Errorf("internal error: %s", e)
			}
			return nil, nil
		},
	}
	analysistest.Run(t, fixture.GOPATH(t), check, "shareddeferred/odd")
}
