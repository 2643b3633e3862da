package cancellable

import (
	"slices"

	"golang.org/x/tools/go/analysis"
)

// Rule names, one per analyzer of the suite.
const (
	SwallowedCancel = "swallowedcancel"
	FirstErrorRule  = "firsterror"
	SharedDeferred  = "shareddeferred"
	LogContextLeak  = "logcontextleak"

	// The context rules: the same hazards in code that cancels with a
	// context.Context.
	CtxErrCompare = "ctxerrcompare"
	CtxErrWrap    = "ctxerrwrap"
	CtxSwallow    = "ctxswallow"
	CtxShared     = "ctxshared"
	CtxBackground = "ctxbackground"
)

// Rules lists the rules' names, in the suite's order.
var Rules = []string{SwallowedCancel, FirstErrorRule, SharedDeferred, LogContextLeak, CtxErrCompare, CtxErrWrap, CtxSwallow, CtxShared, CtxBackground}

// contextRules are the rules of context code. Code is cancellable
// wherever a context flows, so they need no entry point: each reports the
// problems of the package being analysed where they are, and they never
// travel up call paths or into facts.
var contextRules = []string{CtxErrCompare, CtxErrWrap, CtxSwallow, CtxShared, CtxBackground}

// isContextRule reports whether rule is one of contextRules.
func isContextRule(rule string) bool { return slices.Contains(contextRules, rule) }

// NewRule returns the analyzer of one rule: it requires this pass and
// reports the rule's latent problems that entry points reach, and with its
// -all flag every problem in the package. A context rule reports every
// problem of the package and has no -all flag. doc is the source of the
// rule's doc.go, whose "# Analyzer <name>" section is the analyzer's Doc.
func NewRule(name, doc string) *analysis.Analyzer {
	a := &analysis.Analyzer{
		Name:     name,
		Doc:      ExtractDoc(doc, name),
		URL:      "https://github.com/cancelcheck/cancelcheck/blob/main/docs/rules/" + name + ".md",
		Requires: []*analysis.Analyzer{Analyzer},
	}
	all := new(bool)
	if !isContextRule(name) {
		a.Flags.BoolVar(all, "all", false, "also report problems that no cancellable entry point reaches (for libraries)")
	}
	a.Run = func(pass *analysis.Pass) (any, error) {
		pass.ResultOf[Analyzer].(*Result).Report(pass, name, Options{All: *all})
		return nil, nil
	}
	return a
}
