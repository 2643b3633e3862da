package logcontextleak_test

import (
	"os"
	"testing"

	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

// The fixtures' wants match why a finding is wrong and its call path as
// well as what is wrong: -inline puts them in the message, where
// analysistest looks. Tests of the related information set it back.
func TestMain(m *testing.M) {
	cancellable.Analyzer.Flags.Set("inline", "true")
	os.Exit(m.Run())
}
