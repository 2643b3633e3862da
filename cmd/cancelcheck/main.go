// Command cancelcheck reports code that does not survive cancellation in
// programs built on the deferred runtime: swallowed cancellation errors,
// cancellations hidden behind a FirstError or a cut error chain, and the
// other hazards of Synapse's cancellation guide.
//
// Run it on packages:
//
//	cancelcheck ./...
//	cancelcheck -json ./...          # findings as JSON
//	cancelcheck -fix -diff ./...     # the suggested fixes, as a diff
//	cancelcheck -fix ./...           # apply them
//	cancelcheck -all ./...           # also problems no entry point reaches
//	cancelcheck -swallowedcancel ./... # one rule only
//
// or as a vet tool (the same binary):
//
//	go vet -vettool=$(which cancelcheck) ./...
//
// A finding is reported when a cancellable entry point reaches the code: a
// function declared with //cancelcheck:cancellable, or passed to a function
// declared with //cancelcheck:marks-cancellable (such as
// deferredhttp.Cancellable). -all is short for every rule's -<rule>.all.
//
// Exit status: 0 when there is nothing to report; 3 when there are findings
// (1 under go vet, which then exits 1); 1 when a package cannot be loaded
// or analysed. With -json or -fix, findings alone do not make it non-zero
// (the golang.org/x/tools drivers' convention).
package main

import (
	"os"

	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/cancelcheck/cancelcheck/analyzers"
)

func main() {
	os.Args = expandAll(os.Args, analyzers.All)
	multichecker.Main(analyzers.All...)
}
