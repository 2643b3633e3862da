package analyzers_test

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/cancelcheck/cancelcheck/analyzers"
	"github.com/cancelcheck/cancelcheck/internal/fixture"
)

// Every suggested fix that the suite offers on its fixtures compiles: the
// packages type-check once it is applied. The .golden files compare the
// fixes of a few packages as text; this applies every fix of every rule,
// -all included, on every fixture package, and type-checks the result.
func TestFixesCompile(t *testing.T) {
	for _, a := range analyzers.All {
		if a.Flags.Lookup("all") != nil {
			fixture.SetFlag(t, a, "all", "true")
		}
	}
	gopath := fixture.GOPATH(t)
	patterns := fixture.Packages(t, "")
	pkgs := loadFixtures(t, gopath, patterns, nil)
	graph, err := checker.Analyze(analyzers.All, pkgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var fixes []fix
	seen := make(map[string]bool)
	for act := range graph.All() {
		if !act.IsRoot {
			continue
		}
		for _, d := range act.Diagnostics {
			for _, sf := range d.SuggestedFixes {
				fx := newFix(act.Package, d, sf)
				if k := fx.String(); !seen[k] {
					seen[k] = true
					fixes = append(fixes, fx)
				}
			}
		}
	}
	if len(fixes) == 0 {
		t.Fatal("no suggested fixes on the fixtures")
	}
	t.Logf("%d fixes", len(fixes))

	// Apply the fixes in rounds of fixes whose edits do not overlap, and
	// type-check each round's result.
	for round := 1; len(fixes) > 0; round++ {
		var now, later []fix
		for _, fx := range fixes {
			if slices.ContainsFunc(now, fx.conflicts) {
				later = append(later, fx)
			} else {
				now = append(now, fx)
			}
		}
		overlay := apply(t, now)
		for _, p := range loadFixtures(t, gopath, patterns, overlay) {
			for _, e := range p.Errors {
				t.Errorf("round %d: %v\nafter the fixes:\n%s", round, e, describe(now, e.Pos))
			}
		}
		fixes = later
	}
}

// loadFixtures loads the fixture packages of a GOPATH made by
// fixture.GOPATH, with files replaced by overlay.
func loadFixtures(t *testing.T, gopath string, patterns []string, overlay map[string][]byte) []*packages.Package {
	t.Helper()
	cfg := &packages.Config{
		Mode:    packages.LoadAllSyntax,
		Dir:     filepath.Join(gopath, "src"),
		Env:     append(os.Environ(), "GOPATH="+gopath, "GO111MODULE=off", "GOPROXY=off", "GOFLAGS="),
		Overlay: overlay,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	if overlay == nil && packages.PrintErrors(pkgs) > 0 {
		t.Fatal("the fixtures do not compile")
	}
	return pkgs
}

// A fix is one suggested fix, as byte edits of files.
type fix struct {
	diag  string // the diagnostic's position and rule
	edits []edit
}

type edit struct {
	file       string
	start, end int
	text       string
}

func newFix(pkg *packages.Package, d analysis.Diagnostic, sf analysis.SuggestedFix) fix {
	fx := fix{diag: fmt.Sprintf("%s: %s: %s", pkg.Fset.Position(d.Pos), d.Category, sf.Message)}
	for _, e := range sf.TextEdits {
		start, end := pkg.Fset.Position(e.Pos), pkg.Fset.Position(e.End)
		if !e.End.IsValid() {
			end = start
		}
		fx.edits = append(fx.edits, edit{start.Filename, start.Offset, end.Offset, string(e.NewText)})
	}
	return fx
}

func (fx fix) String() string { return fmt.Sprint(fx.edits) }

// conflicts reports whether two fixes edit overlapping text differently
// (the same edit in both, such as an added import, is no conflict).
func (fx fix) conflicts(other fix) bool {
	for _, a := range fx.edits {
		for _, b := range other.edits {
			if a == b || a.file != b.file {
				continue
			}
			if a.start < b.end && b.start < a.end || a.start == b.start {
				return true
			}
		}
	}
	return false
}

// apply applies fixes that do not conflict and returns the edited files.
func apply(t *testing.T, fixes []fix) map[string][]byte {
	t.Helper()
	byFile := make(map[string][]edit)
	for _, fx := range fixes {
		for _, e := range fx.edits {
			if !slices.Contains(byFile[e.file], e) {
				byFile[e.file] = append(byFile[e.file], e)
			}
		}
	}
	out := make(map[string][]byte)
	for file, edits := range byFile {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(edits, func(a, b edit) int { return cmp.Compare(b.start, a.start) })
		for _, e := range edits {
			src = append(src[:e.start:e.start], append([]byte(e.text), src[e.end:]...)...)
		}
		out[file] = src
	}
	return out
}

// describe lists the fixes that edited the file of an error position.
func describe(fixes []fix, pos string) string {
	file, _, _ := strings.Cut(pos, ":")
	var lines []string
	for _, fx := range fixes {
		if slices.ContainsFunc(fx.edits, func(e edit) bool { return e.file == file }) {
			lines = append(lines, "\t"+fx.diag)
		}
	}
	return strings.Join(lines, "\n")
}
