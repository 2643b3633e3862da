// Command cancelcheck reports code that does not survive cancellation in
// programs built on the deferred runtime: swallowed cancellation errors,
// cancellations hidden behind a FirstError or a cut error chain, and the
// other hazards of Synapse's cancellation guide.
//
// Run it on packages:
//
//	cancelcheck ./...
//	cancelcheck -json ./...          # findings as JSON
//	cancelcheck -sarif ./...         # findings as SARIF 2.1.0, for code scanning
//	cancelcheck -baseline-write cancelcheck.baseline ./...  # record today's findings
//	cancelcheck -baseline cancelcheck.baseline ./...        # report new findings only
//	cancelcheck -fix -diff ./...     # the suggested fixes, as a diff
//	cancelcheck -fix ./...           # apply them
//	cancelcheck -all ./...           # also problems no entry point reaches
//	cancelcheck -swallowedcancel ./... # one rule only
//	cancelcheck -generated ./...     # also findings in generated files
//	cancelcheck -v ./...             # each package's time (a terminal shows progress anyway)
//
// or as a vet tool (the same binary):
//
//	go vet -vettool=$(which cancelcheck) ./...
//
// A finding is reported when a cancellable entry point reaches the code: a
// function declared with //cancelcheck:cancellable, or passed to a function
// declared with //cancelcheck:marks-cancellable (such as
// deferredhttp.Cancellable), or declared with one of the directives given
// to -entrypoints (for example -entrypoints=//api:handler). -all is short
// for every rule's -<rule>.all.
//
// Exit status: 0 when there is nothing to report; 1 when there are
// findings (with -baseline, new findings), in every output format; 2 for a
// usage error or packages that cannot be loaded or analysed (see
// internal/driver). Under go vet, go vet's: 1 for findings or errors.
// -fix and -diff are the golang.org/x/tools fixer's: 0 once the fixes are
// applied or shown, 1 when they cannot be. See docs/integrations.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/cancelcheck/cancelcheck/analyzers"
	"github.com/cancelcheck/cancelcheck/internal/driver"
)

func main() {
	if args := os.Args[1:]; driver.Handles(args) {
		os.Exit(driver.Main(args, analyzers.All, os.Stdout, os.Stderr)) // its own -all
	}
	os.Args = expandAll(os.Args, analyzers.All)
	for _, f := range driver.PassFlags(analyzers.All) { // -entrypoints
		flag.Var(f.Value, f.Name, f.Usage)
	}
	if args := os.Args[1:]; len(args) > 0 && strings.HasSuffix(args[len(args)-1], ".cfg") {
		// go vet runs the tool once per package: a bad flag value is
		// reported in a line each time, not with the list of flags.
		flag.Usage = func() {
			fmt.Fprintf(os.Stderr, "run '%s -help' for usage\n", filepath.Base(os.Args[0]))
		}
	}
	multichecker.Main(analyzers.All...) // go vet, -fix, -diff, help
}
