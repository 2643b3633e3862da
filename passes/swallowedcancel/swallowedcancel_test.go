package swallowedcancel_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
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
