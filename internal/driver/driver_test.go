package driver

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
)

// Arguments for go vet's protocol, the fixer and help go to multichecker.
func TestHandles(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"./..."}, true},
		{[]string{"-sarif", "./..."}, true},
		{[]string{"-baseline", "b.json", "./..."}, true},
		{[]string{"-json", "--", "./..."}, true},
		{[]string{}, true}, // Main reports the missing packages
		{[]string{"-fix", "./..."}, false},
		{[]string{"-fix", "-diff", "./..."}, false},
		{[]string{"--diff=true", "./..."}, false},
		{[]string{"-V=full"}, false},
		{[]string{"-flags"}, false},
		{[]string{"/tmp/go-build1/vet.cfg"}, false},
		{[]string{"-swallowedcancel.all=true", "vet.cfg"}, false},
		{[]string{"help"}, false},
		{[]string{"help", "swallowedcancel"}, false},
		{[]string{"./...", "-fix"}, true}, // a flag after the packages is a package pattern
	} {
		if got := Handles(tc.args); got != tc.want {
			t.Errorf("Handles(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

func suite() []*analysis.Analyzer {
	var out []*analysis.Analyzer
	for _, name := range []string{"r1", "r2", "r3"} {
		a := &analysis.Analyzer{Name: name, Doc: name}
		a.Flags.Bool("all", false, "all")
		out = append(out, a)
	}
	return out
}

func names(as []*analysis.Analyzer) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Name)
	}
	return strings.Join(s, ",")
}

// -<rule> runs only the rules given; -<rule>=false all but those.
func TestRuleSelection(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"./..."}, "r1,r2,r3"},
		{[]string{"-r2", "./..."}, "r2"},
		{[]string{"-r1", "-r3=true", "./..."}, "r1,r3"},
		{[]string{"-r2=false", "./..."}, "r1,r3"},
		{[]string{"-r1", "-r2=false", "./..."}, "r1"},
	} {
		opts, err := parse(tc.args, suite(), new(bytes.Buffer))
		if err != nil {
			t.Errorf("parse(%q): %v", tc.args, err)
			continue
		}
		if got := names(opts.analyzers); got != tc.want {
			t.Errorf("parse(%q) runs %s, want %s", tc.args, got, tc.want)
		}
	}
}

// -all and -<rule>.all set the rules' own flags.
func TestAllFlags(t *testing.T) {
	s := suite()
	if _, err := parse([]string{"-r1.all", "./..."}, s, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	if got := s[0].Flags.Lookup("all").Value.String() + s[1].Flags.Lookup("all").Value.String(); got != "truefalse" {
		t.Errorf("after -r1.all: r1.all, r2.all = %s, want true, false", got)
	}
	s = suite()
	if _, err := parse([]string{"-all", "./..."}, s, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	for _, a := range s {
		if a.Flags.Lookup("all").Value.String() != "true" {
			t.Errorf("after -all: %s.all is not set", a.Name)
		}
	}
}

// The flags of a pass the rules require, which the suite does not list,
// are offered unprefixed, once however many rules require it.
func TestPassFlags(t *testing.T) {
	pass := &analysis.Analyzer{Name: "pass", Doc: "pass"}
	entry := pass.Flags.String("entrypoints", "", "entry points")
	s := suite()
	for _, a := range s {
		a.Requires = []*analysis.Analyzer{pass}
	}
	if got := PassFlags(s); len(got) != 1 || got[0].Name != "entrypoints" {
		t.Fatalf("PassFlags = %v, want the pass's -entrypoints alone", got)
	}
	if _, err := parse([]string{"-entrypoints=//api:handler", "./..."}, s, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	if *entry != "//api:handler" {
		t.Errorf("after -entrypoints=//api:handler, the pass's flag is %q", *entry)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no packages given"},
		{[]string{"-bogus", "./..."}, "flag provided but not defined: -bogus"},
		{[]string{"-json", "-sarif", "./..."}, "-json and -sarif"},
		{[]string{"-baseline-write", "f", "-sarif", "./..."}, "-baseline-write records"},
		{[]string{"-baseline-write", "f", "-baseline", "g", "./..."}, "-baseline-write records"},
		{[]string{"-r1=false", "-r2=false", "-r3=false", "./..."}, "every rule is turned off"},
		{[]string{"-r1=maybe", "./..."}, "want true or false"},
	} {
		var stderr bytes.Buffer
		if code := Main(tc.args, suite(), new(bytes.Buffer), &stderr); code != ExitError {
			t.Errorf("Main(%q) = %d, want %d", tc.args, code, ExitError)
		}
		if !strings.Contains(stderr.String(), tc.want) || !strings.Contains(stderr.String(), "cancelcheck -help") {
			t.Errorf("Main(%q) printed %q, want %q and a pointer to -help", tc.args, stderr.String(), tc.want)
		}
	}
}

func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	if code := Main([]string{"-help"}, suite(), new(bytes.Buffer), &stderr); code != ExitClean {
		t.Errorf("-help: exit status %d, want 0", code)
	}
	for _, want := range []string{"Exit status: 0", "-sarif", "-baseline file", "-r2.all", "go vet -vettool"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-help does not mention %q:\n%s", want, stderr.String())
		}
	}
}

// A baseline that cannot be read is a usage error, before any loading.
func TestBadBaseline(t *testing.T) {
	var stderr bytes.Buffer
	if code := Main([]string{"-baseline", t.TempDir() + "/missing.json", "./..."}, suite(), new(bytes.Buffer), &stderr); code != ExitError {
		t.Errorf("exit status %d, want %d", code, ExitError)
	}
	if !strings.Contains(stderr.String(), "missing.json") {
		t.Errorf("message %q does not name the file", stderr.String())
	}
}
