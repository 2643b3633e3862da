package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRuleNames(t *testing.T) {
	flags := `[
		{"Name": "V", "Bool": true, "Usage": "print version and exit"},
		{"Name": "firsterror", "Bool": true, "Usage": "enable \"firsterror\" analysis"},
		{"Name": "firsterror.all", "Bool": true, "Usage": "also report problems"},
		{"Name": "swallowedcancel", "Bool": true, "Usage": "enable \"swallowedcancel\" analysis"}
	]`
	got, err := ruleNames(strings.NewReader(flags))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"firsterror", "swallowedcancel"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ruleNames = %v, want %v", got, want)
	}
	if _, err := ruleNames(strings.NewReader(`[{"Name": "V", "Usage": "print version"}]`)); err == nil {
		t.Error("ruleNames without analyzer flags: no error")
	}
}

func TestSplitPosn(t *testing.T) {
	for _, tt := range []struct {
		posn      string
		file      string
		line, col int
	}{
		{"/m/a.go:12:3", "/m/a.go", 12, 3},
		{"/m/a.go:12", "/m/a.go", 12, 0},
		{"/m/a.go", "/m/a.go", 0, 0},
		{"/m/x:y/a.go:7:1", "/m/x:y/a.go", 7, 1},
	} {
		file, line, col := splitPosn(tt.posn)
		if file != tt.file || line != tt.line || col != tt.col {
			t.Errorf("splitPosn(%q) = %q, %d, %d; want %q, %d, %d", tt.posn, file, line, col, tt.file, tt.line, tt.col)
		}
	}
}

func TestCollect(t *testing.T) {
	root := t.TempDir()
	vet := `# example.com/m/b
{}
{
	"example.com/m/b": {
		"swallowedcancel": [
			{"posn": "` + root + `/b/b.go:9:2", "message": "swallowedcancel: second"},
			{"posn": "` + root + `/b/b.go:3:2", "message": "swallowedcancel: first",
			 "related": [{"posn": "` + root + `/c/c.go:5:1", "message": "the problem"}]}
		],
		"firsterror": {"error": "analysis failed"}
	}
}
{"example.com/m/a": {"firsterror": [{"posn": "/elsewhere/a.go:1:1", "message": "firsterror: outside"}]}}
`
	fds, errs, err := collect(strings.NewReader(vet), root)
	if err != nil {
		t.Fatal(err)
	}
	want := []Finding{
		{Rule: "firsterror", Package: "example.com/m/a", File: "/elsewhere/a.go", Line: 1, Col: 1, Message: "firsterror: outside"},
		{Rule: "swallowedcancel", Package: "example.com/m/b", File: "b/b.go", Line: 3, Col: 2, Message: "swallowedcancel: first",
			Related: []Position{{File: "c/c.go", Line: 5, Col: 1, Message: "the problem"}}},
		{Rule: "swallowedcancel", Package: "example.com/m/b", File: "b/b.go", Line: 9, Col: 2, Message: "swallowedcancel: second"},
	}
	if !reflect.DeepEqual(fds, want) {
		t.Errorf("collect findings =\n%v\nwant\n%v", fds, want)
	}
	if want := []string{"example.com/m/b: firsterror: analysis failed"}; !reflect.DeepEqual(errs, want) {
		t.Errorf("collect errors = %v, want %v", errs, want)
	}
	if _, _, err := collect(strings.NewReader("{not json"), root); err == nil {
		t.Error("collect of broken JSON: no error")
	}
}

func TestCount(t *testing.T) {
	fds := []Finding{{Rule: "b"}, {Rule: "z"}, {Rule: "b"}, {Rule: "y"}}
	got := count(fds, []string{"a", "b"})
	want := []ruleCount{{"a", 0}, {"b", 2}, {"y", 1}, {"z", 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("count = %v, want %v", got, want)
	}
}

func TestSample(t *testing.T) {
	var fds []Finding
	for i := range 100 {
		fds = append(fds, Finding{Rule: "r", File: "a.go", Line: i + 1})
	}
	fds = append(fds, Finding{Rule: "s", File: "b.go", Line: 1})
	first := sample(fds, []string{"r", "s"}, 30, 7)
	if len(first["r"]) != 30 || len(first["s"]) != 1 {
		t.Fatalf("sample sizes: r %d, s %d; want 30, 1", len(first["r"]), len(first["s"]))
	}
	for i := 1; i < len(first["r"]); i++ {
		if first["r"][i-1].Line >= first["r"][i].Line {
			t.Fatalf("sample not in position order, or repeats: %v", first["r"])
		}
	}
	if again := sample(fds, []string{"r", "s"}, 30, 7); !reflect.DeepEqual(first, again) {
		t.Error("the same seed picked different findings")
	}
	if other := sample(fds, []string{"r", "s"}, 30, 8); reflect.DeepEqual(first["r"], other["r"]) {
		t.Error("another seed picked the same findings")
	}
}

func TestWriteSample(t *testing.T) {
	root := t.TempDir()
	src := "package a\n\nfunc f() {\n\tg()\n}\n"
	if err := os.WriteFile(filepath.Join(root, "a.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	fds := []Finding{{Rule: "r", File: "a.go", Line: 4, Col: 2, Message: "r: dropped"}}
	var b strings.Builder
	if err := writeSample(&b, fds, []string{"r", "q"}, root, "T", 30, 1, 1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# T\n", "| r | 1 | 1 |", "| q | 0 | 0 |", "### r 1/1: a.go:4:2", "> r: dropped", "     3  func f() {\n>    4  \tg()\n     5  }\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("sample lacks %q:\n%s", want, b.String())
		}
	}
}

func TestNear(t *testing.T) {
	fds := []Finding{
		{Rule: "r", File: "pkg/a.go", Line: 10},
		{Rule: "r", File: "pkg/a.go", Line: 14},
		{Rule: "r", File: "other/a.go", Line: 10},
		{Rule: "r", File: "xpkg/a.go", Line: 10},
		{Rule: "r", File: "web/h.go", Line: 40, Related: []Position{{File: "pkg/a.go", Line: 30}}},
	}
	for _, tt := range []struct {
		file  string
		line  int
		lines []int
	}{
		{"pkg/a.go", 11, []int{10, 14}},
		{"pkg/a.go", 7, []int{10}},
		{"pkg/a.go", 6, nil},
		{"repo/pkg/a.go", 17, []int{14}},
		{"pkg/a.go", 28, []int{40}}, // by its related position
		{"web/h.go", 28, nil},
	} {
		var lines []int
		for _, f := range near(fds, tt.file, tt.line, 3) {
			lines = append(lines, f.Line)
		}
		if !reflect.DeepEqual(lines, tt.lines) {
			t.Errorf("near(%s:%d) = lines %v, want %v", tt.file, tt.line, lines, tt.lines)
		}
	}
}

func TestMapLine(t *testing.T) {
	diff := `diff --git a/a.go b/a.go
--- a/a.go
+++ b/a.go
@@ -3,0 +4,2 @@ func f() {
+	x()
+	y()
@@ -10,2 +12 @@ func g() {
-	if err == context.Canceled {
-		return nil
+	if errors.Is(err, context.Canceled) {
@@ -20 +20,0 @@ func h() {
-	z()
`
	for _, tt := range []struct{ old, new int }{
		{2, 2},   // before every hunk
		{3, 3},   // the line an insertion follows
		{4, 6},   // after the insertion
		{10, 12}, // changed: the first line of its replacement
		{11, 12},
		{12, 13}, // after the changed hunk: +2 -1
		{20, 20}, // deleted: the line before it
		{25, 25}, // after every hunk: +2 -1 -1
	} {
		got, err := mapLine(strings.NewReader(diff), tt.old)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.new {
			t.Errorf("mapLine(%d) = %d, want %d", tt.old, got, tt.new)
		}
	}
}
