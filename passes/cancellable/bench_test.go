package cancellable_test

import (
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

// BenchmarkSkip measures the pass over net/http and its dependencies
// (about 100 packages of the standard library, none of which uses the
// runtime): skipping them without SSA, and analysing them all.
//
//	go test -run '^$' -bench Skip -benchtime 5x -count 6 ./passes/cancellable
func BenchmarkSkip(b *testing.B) {
	cfg := &packages.Config{Mode: packages.LoadAllSyntax}
	pkgs, err := packages.Load(cfg, "net/http")
	if err != nil || packages.PrintErrors(pkgs) > 0 {
		b.Fatal("loading net/http failed", err)
	}
	run := func(b *testing.B) {
		for b.Loop() {
			if _, err := checker.Analyze([]*analysis.Analyzer{cancellable.Analyzer}, pkgs, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("skip", run)
	b.Run("all", func(b *testing.B) {
		defer cancellable.AnalyseAll()()
		run(b)
	})
}

// BenchmarkSummarise measures summarising a module's code that is not
// modelled and is full of calls through interfaces to many named types
// (golang.org/x/tools/go/ssa and its dependencies outside the standard
// library): resolving those calls to their implementations, and telling
// which types are contexts, are what it spends its time on.
func BenchmarkSummarise(b *testing.B) {
	cfg := &packages.Config{Mode: packages.LoadAllSyntax}
	pkgs, err := packages.Load(cfg, "golang.org/x/tools/go/ssa/ssautil")
	if err != nil || packages.PrintErrors(pkgs) > 0 {
		b.Fatal("loading golang.org/x/tools/go/ssa/ssautil failed", err)
	}
	defer cancellable.AnalyseAll()()
	for b.Loop() {
		if _, err := checker.Analyze([]*analysis.Analyzer{cancellable.Analyzer}, pkgs, nil); err != nil {
			b.Fatal(err)
		}
	}
}
