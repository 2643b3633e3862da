package cancellable

import "golang.org/x/tools/go/analysis"

// Rule names, one per analyzer of the suite.
const (
	SwallowedCancel = "swallowedcancel"
	FirstErrorRule  = "firsterror"
	SharedDeferred  = "shareddeferred"
	LogContextLeak  = "logcontextleak"
)

// Rules lists the rules' names, in the suite's order.
var Rules = []string{SwallowedCancel, FirstErrorRule, SharedDeferred, LogContextLeak}

// NewRule returns the analyzer of one rule: it requires this pass and
// reports the rule's latent problems that entry points reach, and with its
// -all flag every problem in the package. doc is the source of the rule's
// doc.go, whose "# Analyzer <name>" section is the analyzer's Doc.
func NewRule(name, doc string) *analysis.Analyzer {
	a := &analysis.Analyzer{
		Name:     name,
		Doc:      ExtractDoc(doc, name),
		URL:      "https://github.com/cancelcheck/cancelcheck/blob/main/docs/rules/" + name + ".md",
		Requires: []*analysis.Analyzer{Analyzer},
	}
	all := a.Flags.Bool("all", false, "also report problems that no cancellable entry point reaches (for libraries)")
	a.Run = func(pass *analysis.Pass) (any, error) {
		pass.ResultOf[Analyzer].(*Result).Report(pass, name, Options{All: *all})
		return nil, nil
	}
	return a
}
