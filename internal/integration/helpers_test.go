package integration

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/internal/fixture"

	// What the binary is built from and what the fixture module is
	// checked against. The tests never call them, but go test caches a
	// package's results until its dependencies change, and it cannot see
	// into the binary the tests build: without these imports a change to
	// an analyzer would leave a stale "ok (cached)".
	_ "github.com/cancelcheck/cancelcheck/analyzers"
	_ "github.com/cancelcheck/cancelcheck/deferred/deferredhttp"
	_ "github.com/cancelcheck/cancelcheck/internal/driver"
)

var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// binary builds cancelcheck once for all the tests.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds cancelcheck and runs it on a module")
	}
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "cancelcheck-integration")
		if build.err != nil {
			return
		}
		build.bin = filepath.Join(build.dir, "cancelcheck")
		cmd := exec.Command("go", "build", "-o", build.bin, "./cmd/cancelcheck")
		cmd.Dir = fixture.Root(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = errors.New(string(out))
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// module copies the fixture module testdata/integration to a new
// directory and writes its go.mod, which replaces cancelcheck with this
// checkout. (The fixture has no go.mod of its own, so that nothing takes
// it for a module to build or to check.)
func module(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(fixture.Root(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "testdata", "integration"))); err != nil {
		t.Fatal(err)
	}
	gomod := "module example.com/feeds\n\ngo 1.26.0\n\n" +
		"require github.com/cancelcheck/cancelcheck v0.0.0\n\n" +
		"replace github.com/cancelcheck/cancelcheck => " + root + "\n"
	write(t, dir, "go.mod", gomod)
	return dir
}

// write writes a file of the module in dir, name being slash-separated.
func write(t *testing.T, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// read reads a file of the module in dir, name being slash-separated.
func read(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs a command in dir, offline: everything the module needs is in
// this checkout and the standard library.
func run(t *testing.T, dir, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	r := result{stdout.String(), stderr.String(), code}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		t.Errorf("%s %q printed a stack trace:\n%s", name, args, r.stderr)
	}
	return r
}

// A finding as the drivers print it: "position: rule: message", then its
// call path, one related line "position: \tmessage" for each step.
type finding struct {
	text    string
	related []string
}

// parseFindings returns the findings in output, in order, without go
// vet's "# package" headers and cancelcheck's own messages.
func parseFindings(output string) []finding {
	var fs []finding
	for _, line := range strings.Split(output, "\n") {
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "cancelcheck: ") {
			continue
		}
		if _, msg, _ := strings.Cut(line, ": "); strings.HasPrefix(msg, "\t") && len(fs) > 0 {
			fs[len(fs)-1].related = append(fs[len(fs)-1].related, line)
		} else {
			fs = append(fs, finding{text: line})
		}
	}
	return fs
}

// byText returns the findings sorted by their text, for comparing output
// whose order is not source order (go vet groups findings by package, and
// within a package by rule).
func byText(fs []finding) []finding {
	return slices.SortedFunc(slices.Values(fs), func(a, b finding) int { return cmp.Compare(a.text, b.text) })
}

// checkFindings checks that the findings are exactly want, in order: each
// beginning with want's text (its position, rule and the start of its
// message), with want's related lines exactly.
func checkFindings(t *testing.T, got, want []finding) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d findings, want %d:\n%s", len(got), len(want), format(got))
		return
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i].text, w.text) || !slices.Equal(got[i].related, w.related) {
			t.Errorf("finding %d:\n%swant (the first line a prefix):\n%s", i, format(got[i:i+1]), format(want[i:i+1]))
		}
	}
}

// checkLines checks that the findings are exactly want, in order, each
// beginning with want's text, whatever their related lines.
func checkLines(t *testing.T, got []finding, want ...string) {
	t.Helper()
	var texts []finding
	for _, f := range got {
		texts = append(texts, finding{text: f.text})
	}
	var ws []finding
	for _, w := range want {
		ws = append(ws, finding{text: w})
	}
	checkFindings(t, texts, ws)
}

func format(fs []finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.text + "\n")
		for _, r := range f.related {
			b.WriteString(r + "\n")
		}
	}
	return b.String()
}

// jsonFindings returns the findings in the JSON that cancelcheck -json
// (one object) and go vet -json (one object per package) print, as
// "package position: message" with positions relative to dir, sorted.
func jsonFindings(t *testing.T, dir, output string) []finding {
	t.Helper()
	var got []finding
	dec := json.NewDecoder(strings.NewReader(output))
	for dec.More() {
		var tree map[string]map[string][]struct {
			Posn    string `json:"posn"`
			Message string `json:"message"`
		}
		if err := dec.Decode(&tree); err != nil {
			t.Fatalf("%v in:\n%s", err, output)
		}
		for pkg, rules := range tree {
			for _, diags := range rules {
				for _, d := range diags {
					rel, _ := filepath.Rel(dir, d.Posn)
					got = append(got, finding{text: pkg + " " + filepath.ToSlash(rel) + ": " + d.Message})
				}
			}
		}
	}
	return byText(got)
}
