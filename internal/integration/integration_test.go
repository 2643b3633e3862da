package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
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
// checkout.
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

// The findings on the fixture: three problems in package store reach
// package api's entry points through facts (two reported at the calls in
// api, the third suppressed in store by //cancelcheck:ignore with a
// reason), and api has a swallowed cancellation (under //nolint, which
// only golangci-lint honours), an ignore directive without a reason, and
// the finding that it therefore does not suppress. In source order.
var findings = []string{
	"api/api.go:17:9: swallowedcancel: in store.Store.Title at example.com/feeds/store/store.go:21: the error from Await may be a cancellation",
	"api/api.go:24:9: firsterror: in store.Store.Body at example.com/feeds/store/store.go:32: fmt.Errorf with %v",
	"api/api.go:40:2: swallowedcancel: the error from Await may be a cancellation",
	"api/api.go:52:2: swallowedcancel: //cancelcheck:ignore swallowedcancel needs a reason",
	"api/api.go:53:2: swallowedcancel: the error from Await may be a cancellation",
}

// The call paths of the two findings in api for problems in store, as
// related information printed below each finding ("position: \tmessage"):
// the call, then the problem in store. Under go vet, store's positions
// come from its export data, which has lines but no columns.
var (
	related = []string{
		"api/api.go:17:9: \tOnTitle calls store.Store.Title",
		"store/store.go:21:2: \tthe problem, in store.Store.Title",
		"api/api.go:24:9: \tOnBody calls store.Store.Body",
		"store/store.go:32:14: \tthe problem, in store.Store.Body",
	}
	relatedVet = []string{
		"api/api.go:17:9: \tOnTitle calls store.Store.Title",
		"store/store.go:21:1: \tthe problem, in store.Store.Title",
		"api/api.go:24:9: \tOnBody calls store.Store.Body",
		"store/store.go:32:1: \tthe problem, in store.Store.Body",
	}
)

// findingLines returns the lines of output that are findings, without
// go vet's "# package" headers, cancelcheck's own messages and the
// related lines below the findings.
func findingLines(output string) []string {
	var lines []string
	for _, line := range outputLines(output) {
		if !isRelated(line) {
			lines = append(lines, line)
		}
	}
	return lines
}

// relatedLines returns the related lines of output, in order.
func relatedLines(output string) []string {
	return slices.DeleteFunc(outputLines(output), func(line string) bool { return !isRelated(line) })
}

func outputLines(output string) []string {
	var lines []string
	for _, line := range strings.Split(output, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "cancelcheck: ") {
			lines = append(lines, line)
		}
	}
	return lines
}

// isRelated reports whether an output line is related information:
// "position: \tmessage".
func isRelated(line string) bool {
	_, msg, _ := strings.Cut(line, ": ")
	return strings.HasPrefix(msg, "\t")
}

// checkRelated checks that the related lines are exactly want, in order.
func checkRelated(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("related lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// checkFindings checks that the lines are exactly the findings want, in
// order, each beginning with its position and message.
func checkFindings(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d findings, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
		return
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("finding %d:\n got %s\nwant %s...", i, got[i], want[i])
		}
	}
}

// go vet runs cancelcheck one package at a time; the problems in package
// store reach package api's entry points through facts. go vet groups
// the findings by rule: compare them sorted.
func TestVet(t *testing.T) {
	t.Parallel()
	bin, dir := binary(t), module(t)
	r := run(t, dir, "go", "vet", "-vettool="+bin, "./...")
	if r.code != 1 {
		t.Errorf("go vet: exit status %d, want 1 (findings)", r.code)
	}
	got := findingLines(r.stderr)
	slices.Sort(got)
	checkFindings(t, got, slices.Sorted(slices.Values(findings)))
	// go vet prints firsterror's findings before swallowedcancel's.
	checkRelated(t, relatedLines(r.stderr), append(slices.Clone(relatedVet[2:]), relatedVet[:2]...))

	r = run(t, dir, "go", "vet", "-vettool="+bin, "./clean")
	if r.code != 0 || r.stderr != "" || r.stdout != "" {
		t.Errorf("go vet ./clean: exit status %d, output %q %q; want 0 and silence", r.code, r.stdout, r.stderr)
	}
}

// go vet -json prints the findings as JSON on stdout and exits 0.
func TestVetJSON(t *testing.T) {
	t.Parallel()
	bin, dir := binary(t), module(t)
	r := run(t, dir, "go", "vet", "-vettool="+bin, "-json", "./...")
	if r.code != 0 {
		t.Errorf("go vet -json: exit status %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	// One JSON object per package.
	var got []string
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	for dec.More() {
		var tree map[string]map[string][]struct {
			Posn    string `json:"posn"`
			Message string `json:"message"`
		}
		if err := dec.Decode(&tree); err != nil {
			t.Fatalf("go vet -json: %v in:\n%s", err, r.stdout)
		}
		for pkg, rules := range tree {
			for _, diags := range rules {
				for _, d := range diags {
					rel, _ := filepath.Rel(dir, d.Posn)
					got = append(got, pkg+" "+filepath.ToSlash(rel)+": "+d.Message)
				}
			}
		}
	}
	slices.Sort(got)
	var want []string
	for _, f := range slices.Sorted(slices.Values(findings)) {
		want = append(want, "example.com/feeds/api "+f)
	}
	checkFindings(t, got, want)
}

// go vet -fix -diff shows the suggested fixes and changes nothing; go vet
// -fix applies them, after which only the findings without a local fix
// are left.
func TestVetFix(t *testing.T) {
	t.Parallel()
	bin, dir := binary(t), module(t)
	api := filepath.Join(dir, "api", "api.go")
	before, _ := os.ReadFile(api)
	r := run(t, dir, "go", "vet", "-vettool="+bin, "-fix", "-diff", "./...")
	if r.code != 1 {
		t.Errorf("go vet -fix -diff: exit status %d, want 1 (a diff)", r.code)
	}
	for _, want := range []string{"+++ " + api, "+\t\"errors\"", "+\t\tif errors.Is(err, deferred.ErrCancelled) {\n+\t\t\treturn 0, err\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("go vet -fix -diff: no %q in:\n%s", want, r.stdout)
		}
	}
	if after, _ := os.ReadFile(api); !bytes.Equal(before, after) {
		t.Errorf("go vet -fix -diff changed api.go")
	}

	if r := run(t, dir, "go", "vet", "-vettool="+bin, "-fix", "./..."); r.code != 0 {
		t.Errorf("go vet -fix: exit status %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	// The import of errors moved everything down a line; the fix for
	// OnRefresh three more.
	r = run(t, dir, "go", "vet", "-vettool="+bin, "./...")
	got := findingLines(r.stderr)
	slices.Sort(got)
	checkFindings(t, got, []string{
		strings.Replace(findings[0], ":17:", ":18:", 1),
		strings.Replace(findings[1], ":24:", ":25:", 1),
		strings.Replace(findings[3], ":52:", ":56:", 1),
	})
}

// The standalone command prints the findings in source order with paths
// relative to the current directory, and exits 1; on correct code it is
// silent and exits 0.
func TestStandalone(t *testing.T) {
	t.Parallel()
	bin, dir := binary(t), module(t)
	r := run(t, dir, bin, "./...")
	if r.code != 1 {
		t.Errorf("exit status %d, want 1 (findings)", r.code)
	}
	checkFindings(t, findingLines(r.stderr), findings)
	checkRelated(t, relatedLines(r.stderr), related)

	r = run(t, dir, bin, "./clean")
	if r.code != 0 || r.stderr != "" || r.stdout != "" {
		t.Errorf("./clean: exit status %d, output %q %q; want 0 and silence", r.code, r.stdout, r.stderr)
	}
}

// A package that does not compile, and a pattern that names nothing, exit
// 2 with the compiler's message or the go command's; never a stack trace
// (run checks). The packages that load are still analysed and reported.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	bin, dir := binary(t), module(t)
	write(t, dir, "broken/broken.go", "package broken\n\nvar N int = \"one\"\n")
	r := run(t, dir, bin, "./...")
	if r.code != 2 {
		t.Errorf("broken package: exit status %d, want 2", r.code)
	}
	for _, want := range []string{
		"broken/broken.go:3:13: cannot use \"one\"",
		"cancelcheck: some packages could not be loaded or analysed",
		findings[0],
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("broken package: no %q in:\n%s", want, r.stderr)
		}
	}

	r = run(t, dir, bin, "./nosuchdir/...")
	if r.code != 2 || !strings.Contains(r.stderr, "nosuchdir") {
		t.Errorf("bad pattern: exit status %d, stderr %q; want 2 and a message naming the pattern", r.code, r.stderr)
	}
}

// Usage errors exit 2 with a message and a pointer to -help.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	bin, dir := binary(t), module(t)
	for _, args := range [][]string{{}, {"-bogus", "./..."}, {"-json", "-sarif", "./..."}} {
		r := run(t, dir, bin, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "run 'cancelcheck -help' for usage") {
			t.Errorf("cancelcheck %q: exit status %d, stderr %q; want 2 and a usage message", args, r.code, r.stderr)
		}
	}
}

// -sarif prints a SARIF 2.1.0 log: a rule per analyzer with its help
// link, a result per finding with its region and fixes. .ci/sarif.sh
// validates the same output against the schema.
func TestSARIF(t *testing.T) {
	t.Parallel()
	bin, dir := binary(t), module(t)
	r := run(t, dir, bin, "-sarif", "./...")
	if r.code != 1 {
		t.Errorf("exit status %d, want 1 (findings); stderr:\n%s", r.code, r.stderr)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string `json:"id"`
						HelpURI string `json:"helpUri"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine, StartColumn int
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Fixes []struct {
					ArtifactChanges []struct {
						Replacements []struct {
							InsertedContent struct{ Text string } `json:"insertedContent"`
						} `json:"replacements"`
					} `json:"artifactChanges"`
				} `json:"fixes"`
				RelatedLocations []sarifLocation `json:"relatedLocations"`
				CodeFlows        []struct {
					ThreadFlows []struct {
						Locations []struct {
							Location sarifLocation `json:"location"`
						} `json:"locations"`
					} `json:"threadFlows"`
				} `json:"codeFlows"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
		t.Fatalf("%v in:\n%s", err, r.stdout)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q with %d runs, want 2.1.0 with 1", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	var rules []string
	for _, rule := range run.Tool.Driver.Rules {
		rules = append(rules, rule.ID)
		if want := "https://github.com/cancelcheck/cancelcheck/blob/main/docs/rules/" + rule.ID + ".md"; rule.HelpURI != want {
			t.Errorf("rule %s: helpUri %q, want %q", rule.ID, rule.HelpURI, want)
		}
		if _, err := os.Stat(filepath.Join(fixture.Root(t), "docs", "rules", rule.ID+".md")); err != nil {
			t.Errorf("rule %s: its helpUri names a page this checkout does not have: %v", rule.ID, err)
		}
	}
	if want := []string{"swallowedcancel", "firsterror", "shareddeferred", "logcontextleak"}; !slices.Equal(rules, want) {
		t.Errorf("rules %v, want %v", rules, want)
	}
	var got []string
	fixes := 0
	flows := make(map[string][]string) // by result: its related locations, then its code flow
	for _, res := range run.Results {
		loc := res.Locations[0].PhysicalLocation
		got = append(got, fmt.Sprintf("%s:%d:%d: %s", loc.ArtifactLocation.URI, loc.Region.StartLine, loc.Region.StartColumn, res.RuleID))
		for _, rel := range res.RelatedLocations {
			flows[got[len(got)-1]] = append(flows[got[len(got)-1]], "related "+rel.String())
		}
		for _, cf := range res.CodeFlows {
			for _, tf := range cf.ThreadFlows {
				for _, l := range tf.Locations {
					flows[got[len(got)-1]] = append(flows[got[len(got)-1]], "flow "+l.Location.String())
				}
			}
		}
		if loc.ArtifactLocation.URIBaseID != "%SRCROOT%" {
			t.Errorf("result %s: uriBaseId %q, want %%SRCROOT%%", got[len(got)-1], loc.ArtifactLocation.URIBaseID)
		}
		for _, fix := range res.Fixes {
			for _, rep := range fix.ArtifactChanges[0].Replacements {
				if strings.Contains(rep.InsertedContent.Text, "errors.Is(err, deferred.ErrCancelled)") {
					fixes++
				}
			}
		}
	}
	var want []string
	for _, f := range findings {
		posn, rest, _ := strings.Cut(f, ": ")
		rule, _, _ := strings.Cut(rest, ":")
		want = append(want, posn+": "+rule)
	}
	if !slices.Equal(got, want) {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if fixes != 2 {
		t.Errorf("%d fixes insert the errors.Is re-raise, want 2 (OnRefresh, OnCount)", fixes)
	}
	// A problem in store reported in api: its call path as related
	// locations and as a code flow, from the call in api to the problem.
	wantFlows := map[string][]string{
		"api/api.go:17:9: swallowedcancel": {
			"related api/api.go:17:9: OnTitle calls store.Store.Title",
			"related store/store.go:21:2: the problem, in store.Store.Title",
			"flow api/api.go:17:9: OnTitle calls store.Store.Title",
			"flow store/store.go:21:2: the problem, in store.Store.Title",
		},
		"api/api.go:24:9: firsterror": {
			"related api/api.go:24:9: OnBody calls store.Store.Body",
			"related store/store.go:32:14: the problem, in store.Store.Body",
			"flow api/api.go:24:9: OnBody calls store.Store.Body",
			"flow store/store.go:32:14: the problem, in store.Store.Body",
		},
	}
	if !reflect.DeepEqual(flows, wantFlows) {
		t.Errorf("related locations and code flows:\n%v\nwant:\n%v", flows, wantFlows)
	}
}

// A SARIF location, as the tests compare them.
type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region struct {
			StartLine, StartColumn int
		} `json:"region"`
	} `json:"physicalLocation"`
	Message struct {
		Text string `json:"text"`
	} `json:"message"`
}

func (l sarifLocation) String() string {
	p := l.PhysicalLocation
	return fmt.Sprintf("%s:%d:%d: %s", p.ArtifactLocation.URI, p.Region.StartLine, p.Region.StartColumn, l.Message.Text)
}

// A baseline records today's findings; moving code around leaves it
// unchanged and still matching; a new finding is reported, alone, and
// fails the gate.
func TestBaseline(t *testing.T) {
	t.Parallel()
	bin, dir := binary(t), module(t)
	r := run(t, dir, bin, "-baseline-write", "before.json", "./...")
	if r.code != 0 || !strings.Contains(r.stderr, "recorded 5 findings in before.json") {
		t.Fatalf("-baseline-write: exit status %d, stderr %q; want 0 and 5 findings recorded", r.code, r.stderr)
	}

	// Shift every line of both packages, store's included: the messages
	// at api's calls name store's lines.
	for _, name := range []string{"api/api.go", "store/store.go"} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		src, _ := os.ReadFile(path)
		src = bytes.Replace(src, []byte("\nimport ("), []byte("\n// Moved down by three lines.\n\n\nimport ("), 1)
		write(t, dir, name, string(src))
	}
	if r := run(t, dir, bin, "-baseline-write", "after.json", "./..."); r.code != 0 {
		t.Fatalf("-baseline-write after the shift: exit status %d; stderr:\n%s", r.code, r.stderr)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "before.json"))
	after, _ := os.ReadFile(filepath.Join(dir, "after.json"))
	if !bytes.Equal(before, after) {
		t.Errorf("the baseline changed when lines moved:\n%s\n---\n%s", before, after)
	}
	r = run(t, dir, bin, "-baseline", "before.json", "./...")
	if r.code != 0 || len(findingLines(r.stderr)) != 0 || !strings.Contains(r.stderr, "5 findings recorded in before.json not reported") {
		t.Errorf("-baseline after the shift: exit status %d, stderr:\n%s\nwant 0 and no finding", r.code, r.stderr)
	}

	// A new entry point with a new problem.
	api := filepath.Join(dir, "api", "api.go")
	src, _ := os.ReadFile(api)
	write(t, dir, "api/api.go", string(src)+`
//cancelcheck:cancellable
func OnNew(t *deferred.Task, d *deferred.Deferred[int]) error {
	if _, err := deferred.Await(t, d); err != nil {
		log.Print(err)
	}
	return nil
}
`)
	r = run(t, dir, bin, "-baseline", "before.json", "./...")
	if r.code != 1 {
		t.Errorf("-baseline with a new finding: exit status %d, want 1", r.code)
	}
	checkFindings(t, findingLines(r.stderr), []string{"api/api.go:65:2: swallowedcancel: the error from Await may be a cancellation"})
}
