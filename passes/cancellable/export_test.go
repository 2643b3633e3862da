package cancellable

import "golang.org/x/tools/go/ssa"

// SetTestHook sets a function called before each function is summarised,
// and returns a function that removes it.
func SetTestHook(h func(*ssa.Function)) (restore func()) {
	testHook = h
	return func() { testHook = nil }
}
