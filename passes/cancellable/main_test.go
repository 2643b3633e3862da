package cancellable

import (
	"os"
	"testing"
)

// The fixtures' wants match why a finding is wrong and its call path as
// well as what is wrong: -inline puts them in the message, where
// analysistest looks.
func TestMain(m *testing.M) {
	inline = true
	os.Exit(m.Run())
}
