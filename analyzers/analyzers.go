// Package analyzers lists the cancelcheck suite, for the cancelcheck
// command and for other drivers (go vet, golangci-lint, nogo).
package analyzers

import (
	"golang.org/x/tools/go/analysis"

	"github.com/cancelcheck/cancelcheck/passes/ctxbackground"
	"github.com/cancelcheck/cancelcheck/passes/ctxerrcompare"
	"github.com/cancelcheck/cancelcheck/passes/ctxerrwrap"
	"github.com/cancelcheck/cancelcheck/passes/ctxshared"
	"github.com/cancelcheck/cancelcheck/passes/ctxswallow"
	"github.com/cancelcheck/cancelcheck/passes/firsterror"
	"github.com/cancelcheck/cancelcheck/passes/logcontextleak"
	"github.com/cancelcheck/cancelcheck/passes/shareddeferred"
	"github.com/cancelcheck/cancelcheck/passes/swallowedcancel"
)

// All is the suite: one analyzer per rule. Each requires the fact pass
// passes/cancellable, which drivers run on every package for its facts.
var All = []*analysis.Analyzer{
	swallowedcancel.Analyzer,
	firsterror.Analyzer,
	shareddeferred.Analyzer,
	logcontextleak.Analyzer,
	ctxerrcompare.Analyzer,
	ctxerrwrap.Analyzer,
	ctxswallow.Analyzer,
	ctxshared.Analyzer,
	ctxbackground.Analyzer,
}
