package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
)

// These tests build the cancelcheck binary and run it, standalone and
// under go vet, on the module in testdata/rooms: package api has entry
// points (registered with deferredhttp.Cancellable), package store the
// problems they reach, package clean none.

var build struct {
	once sync.Once
	bin  string
	err  error
}

// binary builds cancelcheck once for all tests.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "cancelcheck-bin")
		if err != nil {
			build.err = err
			return
		}
		build.bin = filepath.Join(dir, "cancelcheck")
		out, err := exec.Command("go", "build", "-o", build.bin, ".").CombinedOutput()
		if err != nil {
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
	if build.bin != "" {
		os.RemoveAll(filepath.Dir(build.bin))
	}
	os.Exit(code)
}

// rooms returns a copy of testdata/rooms whose replace directive points at
// this checkout.
func rooms(t *testing.T) string {
	t.Helper()
	root := fixture.Root(t)
	dir := t.TempDir()
	src := filepath.Join(root, "testdata", "rooms")
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if rel == "go.mod" {
			abs, _ := filepath.Abs(root)
			data = bytes.Replace(data, []byte("=> ../.."), []byte("=> "+abs), 1)
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, dir, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
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
	return result{stdout.String(), stderr.String(), code}
}

// The findings on package api: two reached in package store, reported at
// the calls, and one in api itself.
var apiFindings = []string{
	"api/api.go:26:15: firsterror: in store.Store.RoomName at example.com/rooms/store/store.go:50: fmt.Errorf with %v",
	"api/api.go:36:42: swallowedcancel: in store.Store.RoomTopic at example.com/rooms/store/store.go:22: the error from Await may be a cancellation",
	"api/api.go:43:10: firsterror: == deferred.ErrCancelled is never true for a cancellation",
}

// The call paths of the findings on package api, printed below them as
// related information: each call, then the problem in the other package.
// Standalone, every package is loaded from source; under go vet, package
// store's positions come from its export data, which has lines (those of
// its declarations) but no columns.
var (
	apiRelated = []string{
		"api/api.go:26:15: \tAPI.OnGetName calls store.Store.RoomName",
		"store/store.go:50:14: \tthe problem, in store.Store.RoomName",
		"api/api.go:36:42: \tAPI.OnGetRoom calls store.Store.RoomTopic",
		"store/store.go:22:2: \tthe problem, in store.Store.RoomTopic",
	}
	apiRelatedVet = []string{
		"api/api.go:26:15: \tAPI.OnGetName calls store.Store.RoomName",
		"api/api.go:36:42: \tAPI.OnGetRoom calls store.Store.RoomTopic",
		"store/store.go:22:1: \tthe problem, in store.Store.RoomTopic",
	}
)

// checkFindings checks that the output's findings are exactly want, each
// followed by its related lines ("position: \tmessage"), which are
// exactly related, in order.
func checkFindings(t *testing.T, output string, want, related []string) {
	t.Helper()
	var findings, rel []string
	for _, line := range strings.Split(strings.TrimSpace(output), "\n") {
		if _, msg, _ := strings.Cut(line, ": "); strings.HasPrefix(msg, "\t") {
			rel = append(rel, line)
		} else {
			findings = append(findings, line)
		}
	}
	if len(findings) != len(want) {
		t.Errorf("got %d findings, want %d:\n%s", len(findings), len(want), output)
	}
	for _, w := range want {
		if !strings.Contains(output, w) {
			t.Errorf("no finding %q in:\n%s", w, output)
		}
	}
	if !slices.Equal(rel, related) {
		t.Errorf("related lines:\n%s\nwant:\n%s", strings.Join(rel, "\n"), strings.Join(related, "\n"))
	}
}

func TestStandalone(t *testing.T) {
	bin, dir := binary(t), rooms(t)
	r := run(t, dir, bin, "./...")
	if r.code != 1 {
		t.Errorf("exit status %d, want 1 (findings); stderr:\n%s", r.code, r.stderr)
	}
	checkFindings(t, r.stderr, apiFindings, apiRelated)

	r = run(t, dir, bin, "./clean")
	if r.code != 0 || r.stderr != "" || r.stdout != "" {
		t.Errorf("clean package: exit status %d, output %q %q; want 0 and silence", r.code, r.stdout, r.stderr)
	}
}

func TestVetTool(t *testing.T) {
	bin, dir := binary(t), rooms(t)
	r := run(t, dir, "go", "vet", "-vettool="+bin, "./...")
	if r.code != 1 {
		t.Errorf("go vet exit status %d, want 1 (findings); stderr:\n%s", r.code, r.stderr)
	}
	var findings []string
	for _, line := range strings.Split(r.stderr, "\n") {
		if !strings.HasPrefix(line, "#") && line != "" {
			findings = append(findings, line)
		}
	}
	checkFindings(t, strings.Join(findings, "\n"), apiFindings, apiRelatedVet)

	r = run(t, dir, "go", "vet", "-vettool="+bin, "./clean")
	if r.code != 0 || strings.TrimSpace(r.stderr) != "" {
		t.Errorf("clean package: go vet exit status %d, stderr %q; want 0 and silence", r.code, r.stderr)
	}
}

// -all reports the problems of a library that no entry point reaches.
func TestAll(t *testing.T) {
	bin, dir := binary(t), rooms(t)
	if r := run(t, dir, bin, "./store"); r.code != 0 {
		t.Errorf("store without -all: exit status %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	want := []string{
		"store/store.go:22:2: swallowedcancel: the error from Await may be a cancellation",
		"store/store.go:50:14: firsterror: fmt.Errorf with %v",
	}
	r := run(t, dir, bin, "-all", "./store")
	if r.code != 1 {
		t.Errorf("store with -all: exit status %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	checkFindings(t, r.stderr, want, nil)
	r = run(t, dir, "go", "vet", "-vettool="+bin, "-all", "./store")
	if r.code != 1 {
		t.Errorf("go vet -all: exit status %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	checkFindings(t, strings.TrimPrefix(r.stderr, "# example.com/rooms/store\n"), want, nil)
}

func TestJSON(t *testing.T) {
	bin, dir := binary(t), rooms(t)
	r := run(t, dir, bin, "-json", "./api")
	if r.code != 1 {
		t.Errorf("exit status %d, want 1 (findings, in every format); stderr:\n%s", r.code, r.stderr)
	}
	var tree map[string]map[string][]struct {
		Posn    string `json:"posn"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &tree); err != nil {
		t.Fatalf("%v in:\n%s", err, r.stdout)
	}
	rules := tree["example.com/rooms/api"]
	if len(rules["swallowedcancel"]) != 1 || len(rules["firsterror"]) != 2 {
		t.Errorf("got %+v, want 1 swallowedcancel and 2 firsterror findings", rules)
	}
}

// -fix -diff shows the fixes; -fix applies them, after which the finding
// they fix is gone.
func TestFix(t *testing.T) {
	bin, dir := binary(t), rooms(t)
	r := run(t, dir, bin, "-fix", "-diff", "./api")
	if !strings.Contains(r.stdout, "+\t\tif errors.Is(err, deferred.ErrCancelled) {") {
		t.Errorf("-fix -diff: no errors.Is fix in:\n%s\n%s", r.stdout, r.stderr)
	}
	run(t, dir, bin, "-fix", "./api")
	r = run(t, dir, bin, "./api")
	if strings.Contains(r.stderr, "== deferred.ErrCancelled") || !strings.Contains(r.stderr, "swallowedcancel") {
		t.Errorf("after -fix: want only the findings without a local fix, got:\n%s", r.stderr)
	}
	src, _ := os.ReadFile(filepath.Join(dir, "api", "api.go"))
	if !bytes.Contains(src, []byte(`"errors"`)) {
		t.Errorf("after -fix, api.go does not import errors:\n%s", src)
	}
}

// A finding at a call for a problem in another package carries no fix;
// its message gives the command that applies the fix there, and that
// command removes the finding.
func TestFixInOtherPackage(t *testing.T) {
	bin, dir := binary(t), rooms(t)
	r := run(t, dir, bin, "./api")
	m := regexp.MustCompile(`api/api.go:26:15: .*; to apply the suggested fix there: cancelcheck (.*) \(call path: `).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no command for the fix in store in:\n%s", r.stderr)
	}
	if r := run(t, dir, bin, strings.Fields(m[1])...); r.code != 0 {
		t.Fatalf("cancelcheck %s: exit status %d; stderr:\n%s", m[1], r.code, r.stderr)
	}
	r = run(t, dir, bin, "./api")
	if strings.Contains(r.stderr, "api/api.go:26:15") || !strings.Contains(r.stderr, "api/api.go:36:42") {
		t.Errorf("after cancelcheck %s: want the finding at api/api.go:26:15 gone, the others left:\n%s", m[1], r.stderr)
	}
}
