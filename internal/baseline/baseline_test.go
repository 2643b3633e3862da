package baseline_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/cancelcheck/cancelcheck/internal/baseline"
)

func TestNormalizeMessage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"firsterror: in store.Load at example.com/x/store/store.go:50: %v (call path: OnGet → store.Load)",
			"firsterror: in store.Load at example.com/x/store/store.go: %v (call path: OnGet → store.Load)"},
		{"at a.go:1:2 and b.go:30", "at a.go and b.go"},
		{"no position: 12:3 go:4", "no position: 12:3 go:4"},
	} {
		if got := baseline.NormalizeMessage(tc.in); got != tc.want {
			t.Errorf("NormalizeMessage(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

const src = `package p

var v = func() int { return 1 }()

func F() {
	_ = func() { println("F.func1") }
}

type T[P any] struct{}

func (t *T[P]) M() { println("M") }

func (T[P]) N() {}
`

func TestEnclosingFunc(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) token.Pos { return f.FileStart + token.Pos(strings.Index(src, s)) }
	for _, tc := range []struct{ at, want string }{
		{"return 1", ""},
		{`println("F.func1")`, "F"},
		{`println("M")`, "T.M"},
		{"N()", "T.N"},
	} {
		if got := baseline.EnclosingFunc([]*ast.File{f}, at(tc.at)); got != tc.want {
			t.Errorf("EnclosingFunc at %q = %q, want %q", tc.at, got, tc.want)
		}
	}
	k := baseline.MakeKey("swallowedcancel", "example.com/p", fset, []*ast.File{f}, at(`println("M")`), "x at q.go:3:4")
	want := baseline.Key{Rule: "swallowedcancel", File: "example.com/p/p.go", Func: "T.M", Message: "x at q.go"}
	if k != want {
		t.Errorf("MakeKey = %+v, want %+v", k, want)
	}
}

var (
	a = baseline.Key{Rule: "swallowedcancel", File: "x/a.go", Func: "F", Message: "dropped"}
	b = baseline.Key{Rule: "firsterror", File: "x/a.go", Func: "G", Message: "%v"}
)

// A key recorded n times matches its first n occurrences; the rest, and
// keys not recorded, are new.
func TestMatcher(t *testing.T) {
	m := baseline.New([]baseline.Key{a, b, a}).Matcher()
	var got []bool
	for _, k := range []baseline.Key{a, a, a, b, b, {Rule: "firsterror", File: "x/a.go", Func: "F", Message: "%v"}} {
		got = append(got, m.Recorded(k))
	}
	want := []bool{true, true, false, true, false, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Recorded = %v, want %v", got, want)
		}
	}
}

// Write then Read gives the same baseline; Write is deterministic.
func TestRoundTrip(t *testing.T) {
	var buf1, buf2 bytes.Buffer
	if err := baseline.New([]baseline.Key{a, b, a}).Write(&buf1); err != nil {
		t.Fatal(err)
	}
	if err := baseline.New([]baseline.Key{b, a, a}).Write(&buf2); err != nil {
		t.Fatal(err)
	}
	if buf1.String() != buf2.String() {
		t.Errorf("Write depends on the order of findings:\n%s\n%s", buf1.String(), buf2.String())
	}
	for _, line := range []string{`"version": 1`, `"rule": "swallowedcancel"`, `"func": "F"`, `"count": 2`} {
		if !strings.Contains(buf1.String(), line) {
			t.Errorf("no %s in:\n%s", line, buf1.String())
		}
	}
	read, err := baseline.Read(&buf1)
	if err != nil {
		t.Fatal(err)
	}
	if read.Len() != 3 {
		t.Errorf("read %d findings, want 3", read.Len())
	}
	m := read.Matcher()
	if !m.Recorded(a) || !m.Recorded(a) || m.Recorded(a) || !m.Recorded(b) {
		t.Error("read baseline does not record a twice and b once")
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`not json`, "not a cancelcheck baseline"},
		{`{"version": 2, "findings": []}`, "format version 2, want 1"},
		{`{"version": 1, "findings": [], "extra": 1}`, `unknown field "extra"`},
		{`{"version": 1, "findings": [{"rule": "r", "file": "f", "func": "", "message": "m", "count": 0}]}`, "count 0"},
	} {
		_, err := baseline.Read(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Read(%s) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	if a.Fingerprint(0) == a.Fingerprint(1) || a.Fingerprint(0) == b.Fingerprint(0) {
		t.Error("fingerprints collide")
	}
	if a.Fingerprint(0) != a.Fingerprint(0) || len(a.Fingerprint(0)) != 32 {
		t.Errorf("fingerprint %q is not stable or not 32 hex digits", a.Fingerprint(0))
	}
}
