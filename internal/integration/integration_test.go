package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cancelcheck/cancelcheck/internal/fixture"
	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

// The findings on the fixture module, in source order, as the standalone
// command prints them. Package api's entry points are declared with
// //cancelcheck:cancellable; package web's are methods registered with
// deferredhttp.Cancellable. Three problems in package store reach them
// through facts and are reported at the calls (Title's at two); the
// fourth, in Summary, is suppressed by //cancelcheck:ignore with a
// reason. api also has a swallowed cancellation under //nolint (which
// only golangci-lint honours), an ignore directive without a reason and
// the finding that it therefore does not suppress; web an == that never
// sees a cancellation.
//
// Each finding at a call for a problem in store has its call path below
// it as related lines: the call, then the problem. Under go vet, store's
// positions come from its export data, which has lines, up to the last
// declaration, but no columns: the problem in Link, the last declaration,
// is left out.
var findings = []struct {
	text         string   // position, rule and the start of the message
	related, vet []string // standalone and under go vet
}{{
	text: "api/api.go:17:9: swallowedcancel: in store.Store.Title at example.com/feeds/store/store.go:21: the error from Await may be a cancellation",
	related: []string{
		"api/api.go:17:9: \t" + "the function returns normally, so cancelled work carries on as if nothing had happened",
		"api/api.go:17:9: \tOnTitle calls store.Store.Title",
		"store/store.go:21:2: \tthe problem, in store.Store.Title",
	},
	vet: []string{
		"api/api.go:17:9: \t" + "the function returns normally, so cancelled work carries on as if nothing had happened",
		"api/api.go:17:9: \tOnTitle calls store.Store.Title",
		"store/store.go:21:1: \tthe problem, in store.Store.Title",
	},
}, {
	text: "api/api.go:24:9: firsterror: in store.Store.Body at example.com/feeds/store/store.go:32: fmt.Errorf with %v",
	related: []string{
		"api/api.go:24:9: \t" + "callers' errors.Is(err, deferred.ErrCancelled) fails and they handle it like any other failure",
		"api/api.go:24:9: \tOnBody calls store.Store.Body",
		"store/store.go:32:14: \tthe problem, in store.Store.Body",
	},
	vet: []string{
		"api/api.go:24:9: \t" + "callers' errors.Is(err, deferred.ErrCancelled) fails and they handle it like any other failure",
		"api/api.go:24:9: \tOnBody calls store.Store.Body",
		"store/store.go:32:1: \tthe problem, in store.Store.Body",
	},
}, {
	text:    "api/api.go:40:2: swallowedcancel: the error from Await may be a cancellation",
	related: []string{"api/api.go:40:2: \t" + "the function returns a nil error, so cancelled work carries on as if nothing had happened"},
	vet:     []string{"api/api.go:40:2: \t" + "the function returns a nil error, so cancelled work carries on as if nothing had happened"},
}, {
	text: "api/api.go:52:2: swallowedcancel: //cancelcheck:ignore swallowedcancel needs a reason",
}, {
	text:    "api/api.go:53:2: swallowedcancel: the error from Await may be a cancellation",
	related: []string{"api/api.go:53:2: \t" + "the function returns a nil error, so cancelled work carries on as if nothing had happened"},
	vet:     []string{"api/api.go:53:2: \t" + "the function returns a nil error, so cancelled work carries on as if nothing had happened"},
}, {
	text: "web/web.go:28:15: firsterror: in store.Store.Link at example.com/feeds/store/store.go:67: fmt.Errorf with %v",
	related: []string{
		"web/web.go:28:15: \t" + "callers' errors.Is(err, deferred.ErrCancelled) fails and they handle it like any other failure",
		"web/web.go:28:15: \tAPI.OnGetLink calls store.Store.Link",
		"store/store.go:67:14: \tthe problem, in store.Store.Link",
	},
	vet: []string{
		"web/web.go:28:15: \t" + "callers' errors.Is(err, deferred.ErrCancelled) fails and they handle it like any other failure",
		"web/web.go:28:15: \tAPI.OnGetLink calls store.Store.Link",
	},
}, {
	text: "web/web.go:38:42: swallowedcancel: in store.Store.Title at example.com/feeds/store/store.go:21: the error from Await may be a cancellation",
	related: []string{
		"web/web.go:38:42: \t" + "the function returns normally, so cancelled work carries on as if nothing had happened",
		"web/web.go:38:42: \tAPI.OnGetTitle calls store.Store.Title",
		"store/store.go:21:2: \tthe problem, in store.Store.Title",
	},
	vet: []string{
		"web/web.go:38:42: \t" + "the function returns normally, so cancelled work carries on as if nothing had happened",
		"web/web.go:38:42: \tAPI.OnGetTitle calls store.Store.Title",
		"store/store.go:21:1: \tthe problem, in store.Store.Title",
	},
}, {
	text:    "web/web.go:46:10: firsterror: == deferred.ErrCancelled is never true for a cancellation",
	related: []string{"web/web.go:46:10: \t" + "a cancellation is a *CancelledError, here maybe inside a *FirstError from Gather, which only errors.Is matches, so the cancellation is handled like any other failure"},
	vet:     []string{"web/web.go:46:10: \t" + "a cancellation is a *CancelledError, here maybe inside a *FirstError from Gather, which only errors.Is matches, so the cancellation is handled like any other failure"},
}}

// texts returns the text of findings[i] for each i.
func texts(is ...int) []string {
	var out []string
	for _, i := range is {
		out = append(out, findings[i].text)
	}
	return out
}

// A driver runs cancelcheck on the module: standalone, or as go vet's
// vet tool.
type driver struct {
	name string
	vet  bool
	cmd  []string // the command line before the flags and packages
}

func drivers(bin string) []driver {
	return []driver{
		{"standalone", false, []string{bin}},
		{"vet", true, []string{"go", "vet", "-vettool=" + bin}},
	}
}

// eachDriver runs test on each driver, in parallel, each on a copy of
// the module.
func eachDriver(t *testing.T, test func(t *testing.T, d driver, dir string)) {
	bin := binary(t)
	for _, d := range drivers(bin) {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			test(t, d, module(t))
		})
	}
}

func (d driver) run(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return run(t, dir, d.cmd[0], append(d.cmd[1:], args...)...)
}

// findings returns the findings the driver prints, with their related
// lines, in the order of d.sorted.
func (d driver) findings(output string) []finding {
	return d.sorted(parseFindings(output))
}

// want returns the findings the driver should print, in the order of
// d.sorted.
func (d driver) want() []finding {
	var want []finding
	for _, f := range findings {
		related := f.related
		if d.vet {
			related = f.vet
		}
		want = append(want, finding{f.text, related})
	}
	return d.sorted(want)
}

// sorted returns findings in an order that does not depend on the
// driver's: the standalone command prints them in source order; go vet
// groups them by package, then by rule, so they are sorted.
func (d driver) sorted(fs []finding) []finding {
	if d.vet {
		return byText(fs)
	}
	return fs
}

// checkSilent checks that a run exited 0 and printed nothing.
func checkSilent(t *testing.T, what string, r result) {
	t.Helper()
	if r.code != 0 || r.stderr != "" || r.stdout != "" {
		t.Errorf("%s: exit status %d, output %q %q; want 0 and silence", what, r.code, r.stdout, r.stderr)
	}
}

// Both drivers print the findings with their call paths and exit 1, and
// are silent on correct code and exit 0. go vet runs cancelcheck one
// package at a time: the problems in package store reach the entry
// points in api and web through facts. The standalone command prints paths
// relative to the current directory.
func TestFindings(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, d driver, dir string) {
		r := d.run(t, dir, "./...")
		if r.code != 1 {
			t.Errorf("exit status %d, want 1 (findings); stderr:\n%s", r.code, r.stderr)
		}
		checkFindings(t, d.findings(r.stderr), d.want())
		checkSilent(t, "./clean", d.run(t, dir, "./clean"))
	})
}

// -json prints the findings as JSON on stdout, one object (go vet: one
// object per package) mapping packages to rules to findings. The
// standalone command exits 1 on findings in every format; go vet -json
// exits 0.
func TestJSON(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, d driver, dir string) {
		r := d.run(t, dir, "-json", "./...")
		code := 1 // findings, in every format
		if d.vet {
			code = 0
		}
		if r.code != code {
			t.Errorf("exit status %d, want %d; stderr:\n%s", r.code, code, r.stderr)
		}
		var want []finding
		for _, f := range findings {
			file, _, _ := strings.Cut(f.text, ":")
			want = append(want, finding{text: "example.com/feeds/" + path.Dir(file) + " " + f.text})
		}
		checkFindings(t, jsonFindings(t, dir, r.stdout), byText(want))
	})
}

// -all reports the problems of a library that no entry point reaches.
func TestAll(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, d driver, dir string) {
		checkSilent(t, "./store without -all", d.run(t, dir, "./store"))
		r := d.run(t, dir, "-all", "./store")
		if r.code != 1 {
			t.Errorf("-all ./store: exit status %d, want 1; stderr:\n%s", r.code, r.stderr)
		}
		checkLines(t, d.findings(r.stderr),
			"store/store.go:21:2: swallowedcancel: the error from Await may be a cancellation",
			"store/store.go:32:14: firsterror: fmt.Errorf with %v",
			"store/store.go:67:14: firsterror: fmt.Errorf with %v",
		)
	})
}

// -fix -diff shows the suggested fixes and changes nothing (go vet exits 1
// when the diff is not empty); -fix applies them, after which only the
// findings without a local fix are left.
func TestFix(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, d driver, dir string) {
		before := read(t, dir, "api/api.go") + read(t, dir, "web/web.go")
		r := d.run(t, dir, "-fix", "-diff", "./...")
		code := 0 // the fixes are shown
		if d.vet {
			code = 1 // the diff is not empty
		}
		if r.code != code {
			t.Errorf("-fix -diff: exit status %d, want %d; stderr:\n%s", r.code, code, r.stderr)
		}
		for _, want := range []string{
			"+++ " + filepath.Join(dir, "api", "api.go"),
			"+++ " + filepath.Join(dir, "web", "web.go"),
			"+\t\"errors\"",
			"+\t\tif errors.Is(err, deferred.ErrCancelled) {\n+\t\t\treturn 0, err\n",
			"-\t\tif err == deferred.ErrCancelled {\n+\t\tif errors.Is(err, deferred.ErrCancelled) {\n",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("-fix -diff: no %q in:\n%s", want, r.stdout)
			}
		}
		if after := read(t, dir, "api/api.go") + read(t, dir, "web/web.go"); after != before {
			t.Errorf("-fix -diff changed the files")
		}

		if r := d.run(t, dir, "-fix", "./..."); r.code != 0 {
			t.Errorf("-fix: exit status %d, want 0; stderr:\n%s", r.code, r.stderr)
		}
		for _, file := range []string{"api/api.go", "web/web.go"} {
			if src := read(t, dir, file); !strings.Contains(src, "\t\"errors\"\n") {
				t.Errorf("after -fix, %s does not import errors:\n%s", file, src)
			}
		}
		// The import of errors moved everything down a line; in api
		// the fix for OnRefresh three more.
		r = d.run(t, dir, "./...")
		checkLines(t, d.findings(r.stderr),
			strings.Replace(findings[0].text, ":17:", ":18:", 1),
			strings.Replace(findings[1].text, ":24:", ":25:", 1),
			strings.Replace(findings[3].text, ":52:", ":56:", 1),
			strings.Replace(findings[5].text, ":28:", ":29:", 1),
			strings.Replace(findings[6].text, ":38:", ":39:", 1),
		)
	})
}

// A finding at a call for a problem in another package carries no fix;
// its message gives the command that applies the fix there, and that
// command removes the finding, and the other findings of that problem.
func TestFixInOtherPackage(t *testing.T) {
	t.Parallel()
	bin, dir := binary(t), module(t)
	r := run(t, dir, bin, "./...")
	m := regexp.MustCompile(`api/api.go:24:9: .*; to apply the suggested fix there: cancelcheck (.*)\n`).FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("no command for the fix in store in:\n%s", r.stderr)
	}
	if r := run(t, dir, bin, strings.Fields(m[1])...); r.code != 0 {
		t.Fatalf("cancelcheck %s: exit status %d; stderr:\n%s", m[1], r.code, r.stderr)
	}
	r = run(t, dir, bin, "./...")
	checkLines(t, parseFindings(r.stderr), texts(0, 2, 3, 4, 6, 7)...)
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
		findings[0].text,
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

// -entrypoints makes a directive of the code base's own mark entry
// points: package hooks is silent without it and has a finding with it.
// A bad value is a usage error, reported by go vet once per package in a
// line, not with the whole usage text.
func TestEntryPoints(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, d driver, dir string) {
		checkSilent(t, "./hooks", d.run(t, dir, "./hooks"))
		r := d.run(t, dir, "-entrypoints=//feeds:handler", "./hooks")
		if r.code != 1 {
			t.Errorf("-entrypoints=//feeds:handler: exit status %d, want 1 (findings); stderr:\n%s", r.code, r.stderr)
		}
		checkLines(t, d.findings(r.stderr), "hooks/hooks.go:15:2: swallowedcancel: the error from Await may be a cancellation")
		r = d.run(t, dir, "-entrypoints=feeds:handler", "./hooks")
		if r.code == 0 || !strings.Contains(r.stderr, `"feeds:handler" is not a directive`) || strings.Contains(r.stderr, "-swallowedcancel.all") {
			t.Errorf("-entrypoints=feeds:handler: exit status %d, stderr:\n%s\nwant a usage error naming the value, without the flags' list", r.code, r.stderr)
		}
	})
}

// -sarif prints a SARIF 2.1.0 log: a rule per analyzer with its help
// link, a result per finding with its region, fixes and call path (as
// related locations and as a code flow, from the call to the problem).
// .ci/sarif.sh validates the same output against the schema.
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
	if want := cancellable.Rules; !slices.Equal(rules, want) {
		t.Errorf("rules %v, want %v", rules, want)
	}
	var got []string
	fixes := 0
	flows := make(map[string][]string) // by result: its related locations, then its code flow
	for _, res := range run.Results {
		loc := res.Locations[0].PhysicalLocation
		at := fmt.Sprintf("%s:%d:%d: %s", loc.ArtifactLocation.URI, loc.Region.StartLine, loc.Region.StartColumn, res.RuleID)
		got = append(got, at)
		for _, rel := range res.RelatedLocations {
			flows[at] = append(flows[at], "related "+rel.String())
		}
		for _, cf := range res.CodeFlows {
			for _, tf := range cf.ThreadFlows {
				for _, l := range tf.Locations {
					flows[at] = append(flows[at], "flow "+l.Location.String())
				}
			}
		}
		if loc.ArtifactLocation.URIBaseID != "%SRCROOT%" {
			t.Errorf("result %s: uriBaseId %q, want %%SRCROOT%%", at, loc.ArtifactLocation.URIBaseID)
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
	wantFlows := make(map[string][]string)
	for _, f := range findings {
		posn, rest, _ := strings.Cut(f.text, ": ")
		rule, _, _ := strings.Cut(rest, ":")
		at := posn + ": " + rule
		want = append(want, at)
		for _, kind := range []string{"related ", "flow "} {
			for _, rel := range f.related {
				wantFlows[at] = append(wantFlows[at], kind+strings.Replace(rel, ": \t", ": ", 1))
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if fixes != 3 {
		t.Errorf("%d fixes insert errors.Is(err, deferred.ErrCancelled), want 3 (OnRefresh, OnCount, OnGetAuthors)", fixes)
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
	recorded := fmt.Sprintf("%d findings", len(findings))
	r := run(t, dir, bin, "-baseline-write", "before.json", "./...")
	if r.code != 0 || !strings.Contains(r.stderr, "recorded "+recorded+" in before.json") {
		t.Fatalf("-baseline-write: exit status %d, stderr %q; want 0 and %s recorded", r.code, r.stderr, recorded)
	}

	// Shift every line of the packages with findings and of store: the
	// messages at the calls name store's lines.
	for _, name := range []string{"api/api.go", "web/web.go", "store/store.go"} {
		src := strings.Replace(read(t, dir, name), "\nimport (", "\n// Moved down by three lines.\n\n\nimport (", 1)
		write(t, dir, name, src)
	}
	if r := run(t, dir, bin, "-baseline-write", "after.json", "./..."); r.code != 0 {
		t.Fatalf("-baseline-write after the shift: exit status %d; stderr:\n%s", r.code, r.stderr)
	}
	if before, after := read(t, dir, "before.json"), read(t, dir, "after.json"); before != after {
		t.Errorf("the baseline changed when lines moved:\n%s\n---\n%s", before, after)
	}
	r = run(t, dir, bin, "-baseline", "before.json", "./...")
	if r.code != 0 || len(parseFindings(r.stderr)) != 0 || !strings.Contains(r.stderr, recorded+" recorded in before.json not reported") {
		t.Errorf("-baseline after the shift: exit status %d, stderr:\n%s\nwant 0 and no finding", r.code, r.stderr)
	}

	// A new entry point with a new problem.
	write(t, dir, "api/api.go", read(t, dir, "api/api.go")+`
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
	checkLines(t, parseFindings(r.stderr), "api/api.go:65:2: swallowedcancel: the error from Await may be a cancellation")
}

// The standalone command and go vet report the same findings, with the
// same messages, on the same packages, with each set of flags; the
// standalone command's call paths name every position go vet's do (go
// vet's without columns, from export data), and the positions go vet
// cannot place besides.
func TestStandaloneMatchesVet(t *testing.T) {
	t.Parallel()
	bin, dir := binary(t), module(t)
	for _, flags := range [][]string{
		{"./..."},
		{"-all", "./..."},
		{"-entrypoints=//feeds:handler", "./..."},
		{"-swallowedcancel", "./api", "./store"},
	} {
		vet := run(t, dir, "go", append([]string{"vet", "-vettool=" + bin, "-json"}, flags...)...)
		alone := run(t, dir, bin, append([]string{"-json"}, flags...)...)
		got, want := jsonFindings(t, dir, alone.stdout), jsonFindings(t, dir, vet.stdout)
		if len(want) == 0 {
			t.Errorf("%q: go vet found nothing; stderr:\n%s", flags, vet.stderr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: the standalone command found\n%s\ngo vet\n%s", flags, format(got), format(want))
		}

		vetText := byText(parseFindings(run(t, dir, "go", append([]string{"vet", "-vettool=" + bin}, flags...)...).stderr))
		aloneText := byText(parseFindings(run(t, dir, bin, flags...).stderr))
		if len(vetText) != len(aloneText) {
			t.Errorf("%q: %d findings as text standalone, %d under go vet", flags, len(aloneText), len(vetText))
			continue
		}
		for i, v := range vetText {
			a := aloneText[i]
			if a.text != v.text {
				t.Errorf("%q: standalone\n%s\ngo vet\n%s", flags, a.text, v.text)
				continue
			}
			lines := make(map[string]bool) // the standalone related lines, without columns
			for _, rel := range a.related {
				lines[withoutColumn(rel)] = true
			}
			for _, rel := range v.related {
				if !lines[withoutColumn(rel)] {
					t.Errorf("%q: %s\nunder go vet has the related line\n%s\nwhich the standalone command does not have:\n%s", flags, v.text, rel, format([]finding{a}))
				}
			}
		}
	}
}

// withoutColumn drops the column from a related line's position.
func withoutColumn(line string) string {
	return regexp.MustCompile(`^([^:]*:\d+):\d+:`).ReplaceAllString(line, "$1:")
}

// -v prints a line per package analysed, dependencies included, with
// its time, on stderr, and changes nothing else; without it, and when
// stderr is not a terminal, nothing but the findings is printed.
func TestVerbose(t *testing.T) {
	t.Parallel()
	bin, dir := binary(t), module(t)
	quiet := run(t, dir, bin, "./...")
	r := run(t, dir, bin, "-v", "./...")
	if r.code != quiet.code {
		t.Errorf("-v: exit status %d, without %d", r.code, quiet.code)
	}
	line := regexp.MustCompile(`^cancelcheck: (\S+(?: \[\S+\])?): \d+\.\d\ds \(load \d+\.\d\ds, analysis \d+\.\d\ds\)$`)
	var others []string
	timed := make(map[string]int)
	for _, l := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			timed[m[1]]++
		} else {
			others = append(others, l)
		}
	}
	for _, pkg := range []string{"example.com/feeds/api", "example.com/feeds/store", "github.com/cancelcheck/cancelcheck/deferred", "fmt", "unsafe"} {
		if timed[pkg] != 1 {
			t.Errorf("-v: %d lines for %s, want 1", timed[pkg], pkg)
		}
	}
	if got := strings.Join(others, "\n") + "\n"; got != quiet.stderr {
		t.Errorf("-v: besides the packages' lines, stderr is\n%s\nwithout -v\n%s", got, quiet.stderr)
	}
	if strings.Contains(quiet.stderr, "packages") || strings.Contains(quiet.stderr, "\r") {
		t.Errorf("without a terminal, progress was shown:\n%q", quiet.stderr)
	}
}

// An implementation that no export data shows: the service's unexported
// type, returned by its constructor as the interface that the entry
// point calls through. Its problems reach the entry point through the
// service's PackageFact (Hidden), under go vet as in the standalone
// command, whose importers also see only export data.
func TestHiddenImplementation(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, d driver, dir string) {
		write(t, dir, "hidden/svc/svc.go", `package svc

import "github.com/cancelcheck/cancelcheck/deferred"

type Catalog interface {
	Item(t *deferred.Task, id string) (string, error)
}

func New() Catalog { return &catalog{} }

type catalog struct{ pending *deferred.Deferred[string] }

func (c *catalog) Item(t *deferred.Task, id string) (string, error) {
	v, err := deferred.Await(t, deferred.New[string](nil))
	if err != nil {
		return "", nil
	}
	return v, nil
}
`)
		write(t, dir, "hidden/api/api.go", `package api

import (
	"github.com/cancelcheck/cancelcheck/deferred"

	"example.com/feeds/hidden/svc"
)

type Server struct{ Cat svc.Catalog }

//cancelcheck:cancellable
func (s *Server) OnItem(t *deferred.Task, id string) (string, error) {
	return s.Cat.Item(t, id)
}
`)
		r := d.run(t, dir, "./hidden/...")
		if r.code != 1 {
			t.Errorf("exit status %d, want 1 (findings); stderr:\n%s", r.code, r.stderr)
		}
		const want = "hidden/api/api.go:13:9: swallowedcancel: in svc.catalog.Item at example.com/feeds/hidden/svc/svc.go:"
		if !strings.Contains(r.stderr, want) {
			t.Errorf("no finding %q in:\n%s", want, r.stderr)
		}
	})
}
