package sarif_test

import (
	"bytes"
	"encoding/json"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"

	"github.com/cancelcheck/cancelcheck/internal/sarif"
)

var rules = []*analysis.Analyzer{
	{Name: "swallowedcancel", Doc: "report dropped cancellations\n\nWhen a request is cancelled...", URL: "https://example.com/docs/rules/swallowedcancel.md"},
	{Name: "firsterror", Doc: "report hidden cancellations", URL: "https://example.com/docs/rules/firsterror.md"},
}

// source is a file with a non-ASCII line: SARIF columns count UTF-16
// code units, Go columns bytes.
const source = "package p\n\nfunc f() {\n\ts := \"é😀\"; g(s)\n}\n"

// setup writes source under root/sub/p.go and returns the file set, the
// file's name and a function that returns the position of a substring.
func setup(t *testing.T) (root string, fset *token.FileSet, at func(string) token.Pos) {
	root = t.TempDir()
	name := filepath.Join(root, "sub", "p.go")
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	fset = token.NewFileSet()
	file := fset.AddFile(name, -1, len(source))
	file.SetLinesForContent([]byte(source))
	return root, fset, func(s string) token.Pos {
		i := strings.Index(source, s)
		if i < 0 {
			t.Fatalf("%q not in source", s)
		}
		return file.Pos(i)
	}
}

func build(t *testing.T, root string, findings ...sarif.Finding) map[string]any {
	t.Helper()
	b := sarif.NewBuilder(sarif.ToolInfo{Name: "cancelcheck", InformationURI: "https://example.com"}, rules, root, os.ReadFile)
	for _, f := range findings {
		b.Add(f)
	}
	var buf bytes.Buffer
	if err := b.Log().Write(&buf); err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	return log
}

// get walks a decoded JSON value along a path of keys and indexes.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %q", path, p)
			}
			v = m[p]
		case int:
			a, ok := v.([]any)
			if !ok || p >= len(a) {
				t.Fatalf("%v: no element %d", path, p)
			}
			v = a[p]
		}
	}
	return v
}

func TestRules(t *testing.T) {
	root, _, _ := setup(t)
	log := build(t, root)
	if v := get(t, log, "version"); v != "2.1.0" {
		t.Errorf("version = %v", v)
	}
	driver := get(t, log, "runs", 0, "tool", "driver")
	for i, want := range []map[string]any{
		{"id": "swallowedcancel", "short": "report dropped cancellations", "full": "When a request is cancelled...", "uri": "https://example.com/docs/rules/swallowedcancel.md"},
		{"id": "firsterror", "short": "report hidden cancellations", "full": "report hidden cancellations", "uri": "https://example.com/docs/rules/firsterror.md"},
	} {
		r := get(t, driver, "rules", i)
		got := map[string]any{
			"id":    get(t, r, "id"),
			"short": get(t, r, "shortDescription", "text"),
			"full":  get(t, r, "fullDescription", "text"),
			"uri":   get(t, r, "helpUri"),
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rule %d = %v, want %v", i, got, want)
		}
		if get(t, r, "help", "text") != rules[i].Doc {
			t.Errorf("rule %d: help is not the analyzer's Doc", i)
		}
	}
	if n := len(get(t, log, "runs", 0, "results").([]any)); n != 0 {
		t.Errorf("%d results, want an empty list", n)
	}
	base := get(t, log, "runs", 0, "originalUriBaseIds", sarif.SrcRoot, "uri").(string)
	if !strings.HasPrefix(base, "file:///") || !strings.HasSuffix(base, "/") {
		t.Errorf("%%SRCROOT%% = %q, want a file URI of a directory", base)
	}
}

func TestResult(t *testing.T) {
	root, fset, at := setup(t)
	log := build(t, root, sarif.Finding{
		Rule: "firsterror",
		Fset: fset,
		Diagnostic: analysis.Diagnostic{
			Pos: at("g(s)"), End: at("g(s)") + 4,
			Message: "firsterror: boom (call path: f → g)",
			Related: []analysis.RelatedInformation{
				{Pos: at("func f"), Message: "f is the entry point"},
				{Pos: at("s :="), Message: "s is set here"},
			},
		},
		Fingerprint: "abc",
		New:         true,
	})
	r := get(t, log, "runs", 0, "results", 0)
	if get(t, r, "ruleId") != "firsterror" || get(t, r, "ruleIndex") != 1.0 {
		t.Errorf("rule %v index %v, want firsterror 1", get(t, r, "ruleId"), get(t, r, "ruleIndex"))
	}
	if get(t, r, "message", "text") != "firsterror: boom (call path: f → g)" {
		t.Errorf("message %v", get(t, r, "message"))
	}
	loc := get(t, r, "locations", 0, "physicalLocation")
	if got := get(t, loc, "artifactLocation"); !reflect.DeepEqual(got, map[string]any{"uri": "sub/p.go", "uriBaseId": "%SRCROOT%"}) {
		t.Errorf("artifact %v", got)
	}
	// Line 4 is `\ts := "é😀"; g(s)`: g is at byte column 17 but UTF-16
	// column 14 (é is 2 bytes and 1 unit, 😀 4 bytes and 2 units).
	want := map[string]any{"startLine": 4.0, "startColumn": 14.0, "endLine": 4.0, "endColumn": 18.0}
	if got := get(t, loc, "region"); !reflect.DeepEqual(got, want) {
		t.Errorf("region %v, want %v", got, want)
	}
	related := get(t, r, "relatedLocations").([]any)
	if len(related) != 2 || get(t, related[0], "id") != 1.0 || get(t, related[1], "message", "text") != "s is set here" ||
		get(t, related[1], "physicalLocation", "region", "startLine") != 4.0 {
		t.Errorf("relatedLocations %v", related)
	}
	flow := get(t, r, "codeFlows", 0, "threadFlows", 0, "locations").([]any)
	var steps []any
	for _, l := range flow {
		steps = append(steps, get(t, l, "location", "message", "text"))
	}
	if want := []any{"f is the entry point", "s is set here", "firsterror: boom (call path: f → g)"}; !reflect.DeepEqual(steps, want) {
		t.Errorf("code flow %v, want %v", steps, want)
	}
	if get(t, r, "partialFingerprints", sarif.FingerprintKey) != "abc" || get(t, r, "baselineState") != "new" {
		t.Errorf("fingerprint %v baselineState %v", get(t, r, "partialFingerprints"), get(t, r, "baselineState"))
	}
}

// A finding reported at a call for a problem elsewhere (in another
// package) has the call as its first related location: its code flow
// starts there and ends at the problem, without the call again.
func TestCodeFlowFromTheResult(t *testing.T) {
	root, fset, at := setup(t)
	log := build(t, root, sarif.Finding{
		Rule: "swallowedcancel",
		Fset: fset,
		Diagnostic: analysis.Diagnostic{
			Pos:     at("g(s)"),
			Message: "swallowedcancel: in g at p/g.go:3: boom (call path: f → g)",
			Related: []analysis.RelatedInformation{
				{Pos: at("g(s)"), Message: "f calls g"},
				{Pos: at("s :="), Message: "the problem, in g"},
			},
		},
	})
	r := get(t, log, "runs", 0, "results", 0)
	if n := len(get(t, r, "relatedLocations").([]any)); n != 2 {
		t.Errorf("%d related locations, want 2", n)
	}
	var steps []any
	for _, l := range get(t, r, "codeFlows", 0, "threadFlows", 0, "locations").([]any) {
		steps = append(steps, get(t, l, "location", "message", "text"))
	}
	if want := []any{"f calls g", "the problem, in g"}; !reflect.DeepEqual(steps, want) {
		t.Errorf("code flow %v, want %v", steps, want)
	}
}

func TestFixes(t *testing.T) {
	root, fset, at := setup(t)
	log := build(t, root, sarif.Finding{
		Rule: "swallowedcancel",
		Fset: fset,
		Diagnostic: analysis.Diagnostic{
			Pos:     at("g(s)"),
			Message: "m",
			SuggestedFixes: []analysis.SuggestedFix{
				{Message: "re-raise", TextEdits: []analysis.TextEdit{
					{Pos: at("g(s)"), NewText: []byte("h(s); ")},         // insertion
					{Pos: at("s :="), End: at("s :=") + 1, NewText: nil}, // deletion
				}},
				{Message: "nothing to apply"},
			},
		},
	})
	r := get(t, log, "runs", 0, "results", 0)
	fixes := get(t, r, "fixes").([]any)
	if len(fixes) != 1 {
		t.Fatalf("%d fixes, want 1 (a fix without edits is dropped)", len(fixes))
	}
	if get(t, fixes[0], "description", "text") != "re-raise" {
		t.Errorf("description %v", get(t, fixes[0], "description"))
	}
	change := get(t, fixes[0], "artifactChanges", 0)
	if get(t, change, "artifactLocation", "uri") != "sub/p.go" {
		t.Errorf("change artifact %v", get(t, change, "artifactLocation"))
	}
	ins := get(t, change, "replacements", 0)
	if got := get(t, ins, "deletedRegion"); !reflect.DeepEqual(got, map[string]any{"startLine": 4.0, "startColumn": 14.0, "endLine": 4.0, "endColumn": 14.0}) {
		t.Errorf("insertion region %v", got)
	}
	if get(t, ins, "insertedContent", "text") != "h(s); " {
		t.Errorf("inserted %v", get(t, ins, "insertedContent"))
	}
	del := get(t, change, "replacements", 1)
	if _, ok := del.(map[string]any)["insertedContent"]; ok {
		t.Errorf("a deletion has insertedContent: %v", del)
	}
	if got := get(t, del, "deletedRegion", "endColumn"); got != 3.0 {
		t.Errorf("deletion ends at column %v, want 3", got)
	}
}

// Files outside the root are named by absolute file URI.
func TestOutsideRoot(t *testing.T) {
	_, fset, at := setup(t)
	other := t.TempDir()
	log := build(t, other, sarif.Finding{Rule: "firsterror", Fset: fset, Diagnostic: analysis.Diagnostic{Pos: at("g(s)"), Message: "m"}})
	art := get(t, log, "runs", 0, "results", 0, "locations", 0, "physicalLocation", "artifactLocation").(map[string]any)
	if uri := art["uri"].(string); !strings.HasPrefix(uri, "file:///") || !strings.HasSuffix(uri, "/sub/p.go") || art["uriBaseId"] != nil {
		t.Errorf("artifact %v, want an absolute file URI", art)
	}
}
