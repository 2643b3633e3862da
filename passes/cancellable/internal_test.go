package cancellable

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
)

// A Summary survives the gob encoding of fact files unchanged.
func TestSummaryGob(t *testing.T) {
	in := &Summary{
		Suspends:         true,
		Results:          []Flags{0, Cancel | FirstError},
		RunsParams:       []int{1},
		Forwards:         []Forward{{Result: 0, Param: 1, Of: 0}},
		Cancellable:      true,
		MarksCancellable: true,
		Latent: []Problem{{
			Rule: SwallowedCancel, Pos: "/x/a.go:3:4", Reason: "why",
			Path: []Step{{Pkg: "p", Func: "F", Call: "/x/a.go:1:2"}, {Pkg: "p", Func: "g"}},
		}},
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(in); err != nil {
		t.Fatal(err)
	}
	out := new(Summary)
	if err := gob.NewDecoder(&buf).Decode(out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("decoded %+v, want %+v", out, in)
	}
}

// normalize keeps one problem per rule and position, the one with the
// shortest path, sorts them numerically by position, and caps them.
func TestNormalize(t *testing.T) {
	step := func(names ...string) []Step {
		var out []Step
		for _, n := range names {
			out = append(out, Step{Pkg: "p", Func: n})
		}
		return out
	}
	var in []Problem
	for i := MaxLatent + 3; i >= 1; i-- {
		in = append(in, Problem{Rule: "b", Pos: fmt.Sprintf("a.go:%d:1", i), Path: step("F", "g")})
	}
	in = append(in,
		Problem{Rule: "a", Pos: "a.go:10:1", Path: step("F", "g", "h")},
		Problem{Rule: "a", Pos: "a.go:10:1", Path: step("F", "h")},
		Problem{Rule: "a", Pos: "a.go:9:1", Path: step("F")},
	)
	got := normalizeProblems(in)
	if len(got) != 2+MaxLatent {
		t.Fatalf("got %d problems, want %d", len(got), 2+MaxLatent)
	}
	if got[0].Pos != "a.go:9:1" || got[1].Pos != "a.go:10:1" || len(got[1].Path) != 2 {
		t.Errorf("rule a: got %+v, %+v; want a.go:9 then a.go:10 with the 2-step path", got[0], got[1])
	}
	if got[2].Pos != "a.go:1:1" || got[len(got)-1].Pos != fmt.Sprintf("a.go:%d:1", MaxLatent) {
		t.Errorf("rule b: got %s .. %s, want a.go:1 .. a.go:%d", got[2].Pos, got[len(got)-1].Pos, MaxLatent)
	}
}

func TestParseVerbs(t *testing.T) {
	for _, tc := range []struct {
		format string
		verbs  string
		ok     bool
	}{
		{"plain", "", true},
		{"%v", "v", true},
		{"100%% %s: %w", "sw", true},
		{"%+v %#x %-5d %05.2f", "vxdf", true},
		{"%*d %.*s", "*d*s", true},
		{"%[1]v", "", false},
		{"trailing %", "", true},
	} {
		verbs, ok := parseVerbs(tc.format)
		got := ""
		for _, v := range verbs {
			got += string(v.verb)
		}
		if ok != tc.ok || ok && got != tc.verbs {
			t.Errorf("parseVerbs(%q) = %q, %v; want %q, %v", tc.format, got, ok, tc.verbs, tc.ok)
		}
	}
}

func TestExtractDoc(t *testing.T) {
	src := "// Package p.\n//\n// # Analyzer a\n//\n// a: do a thing\n//\n// Details.\n//\n// # Other\n//\n// Not this.\npackage p\n"
	if got, want := ExtractDoc(src, "a"), "do a thing\n\nDetails."; got != want {
		t.Errorf("ExtractDoc = %q, want %q", got, want)
	}
	if got := Analyzer.Doc; !strings.HasPrefix(got, "summarise functions") {
		t.Errorf("Doc starts %q", got)
	}
}

// A package that uses neither the runtime nor contexts, and calls no
// function it is given, is skipped: no SSA, no facts.
func TestSkipsPackagesWithoutRuntime(t *testing.T) {
	results := analysistest.Run(t, fixture.GOPATH(t), Analyzer, "cancellable/plain")
	for _, r := range results {
		if res := r.Result.(*Result); res.state.pkg != nil {
			t.Errorf("%s: SSA was built", r.Pass.Pkg.Path())
		}
	}
}
