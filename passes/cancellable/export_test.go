package cancellable

import "golang.org/x/tools/go/ssa"

// SetTestHook sets a function called before each function is summarised,
// and returns a function that removes it.
func SetTestHook(h func(*ssa.Function)) (restore func()) {
	testHook = h
	return func() { testHook = nil }
}

// AnalyseAll disables the skipping of packages that do not use the
// runtime, and returns a function that restores it.
func AnalyseAll() (restore func()) {
	analyseAll = true
	return func() { analyseAll = false }
}
