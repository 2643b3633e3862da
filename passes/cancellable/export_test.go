package cancellable

import "golang.org/x/tools/go/ssa"

// SetTestHook sets a function called before each function is summarised,
// and returns a function that removes it.
func SetTestHook(h func(*ssa.Function)) (restore func()) {
	testHook = h
	return func() { testHook = nil }
}

// AnalyseAll sets -selftest: no package is skipped, and an internal error
// fails the package. It returns a function that restores it.
func AnalyseAll() (restore func()) {
	selfTest = true
	return func() { selfTest = false }
}
