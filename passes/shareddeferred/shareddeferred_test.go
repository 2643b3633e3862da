package shareddeferred_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/shareddeferred"
)

// Synapse's "Creation of Deferreds" examples and the shapes around them:
// Bad found at the return that hands the Deferred out, Good and OK silent.
func TestRooms(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/rooms")
}

// Fields of a long-lived value, generics, closures.
func TestServer(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/server")
}

// A loader in another package: reported at the call in the entry point's
// package, naming the loader's position; the library alone is silent.
func TestAcrossPackages(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/app", "shareddeferred/lib")
}

// The fix wraps the shared Deferred in StopCancellation where it is handed
// out, under the name the file imports the runtime as; a file that does
// not import it gets no fix.
func TestFixes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/fix")
}

// With no entry point the bad code is silent.
func TestNoEntrySilent(t *testing.T) {
	fixture.AssertSilent(t, shareddeferred.Analyzer, "shareddeferred/noentry")
}

// -all reports the bad code that no entry point reaches.
func TestAll(t *testing.T) {
	fixture.SetFlag(t, shareddeferred.Analyzer, "all", "true")
	analysistest.Run(t, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/noentry")
}

// The heap, field by field: fields of map values, slice elements, sync.Map
// values, package variables, fields cached on long-lived values, local
// slices gathered, a cached Observe(), WithLock-style wrappers.
func TestHeap(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/heap")
}

// Shapes other services write: a caching decorator behind an interface, a
// helper forwarding through Then, a struct kept by value in a map, a
// shared Deferred handed to Timeout or cancelled by hand; each with a
// silent twin.
func TestReach(t *testing.T) {
	analysistest.Run(t, fixture.GOPATH(t), shareddeferred.Analyzer, "shareddeferred/reach")
}
