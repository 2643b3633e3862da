// Package driver is cancelcheck's standalone command line for CI gates:
// it loads packages, runs the suite, and prints the findings as text,
// JSON or SARIF, optionally only those missing from a baseline, with an
// exit status a CI job can act on:
//
//	0  nothing to report
//	1  findings (with -baseline: new findings)
//	2  usage error, or packages that cannot be loaded or analysed
//
// It analyses the packages as go vet does, one package after another in
// dependency order (in parallel where the order allows), keeping of each
// only its export data and facts once it is done, so that its memory is
// bounded by the packages in flight, not by the program (see unit and
// docs/analysis.md, "The standalone driver"). The go vet protocol and
// -fix/-diff stay with multichecker; Handles tells which arguments are
// this package's.
package driver

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/packages"

	"github.com/cancelcheck/cancelcheck/internal/baseline"
	"github.com/cancelcheck/cancelcheck/internal/sarif"
)

// Exit statuses.
const (
	ExitClean    = 0
	ExitFindings = 1
	ExitError    = 2
)

// RepoURL is the repository the SARIF log names as the tool's home; the
// rules' help links are their analyzers' URLs, under RepoURL's docs/rules.
const RepoURL = "https://github.com/cancelcheck/cancelcheck"

// delegated are the flags of the x/tools drivers that this package
// leaves to multichecker: fixes, the go vet protocol, debugging.
var delegated = []string{"fix", "diff", "V", "flags", "debug"}

// Handles reports whether Main handles the arguments (without the
// program name). It does not for go vet's invocations (a single *.cfg
// argument, -V, -flags), for -fix and -diff, for `help` and for the
// x/tools drivers' debugging flags: multichecker does those.
func Handles(args []string) bool {
	for i, arg := range args {
		if arg == "--" || !strings.HasPrefix(arg, "-") {
			rest := args[i:]
			if arg == "--" {
				rest = rest[1:]
			}
			if len(rest) > 0 && rest[0] == "help" {
				return false
			}
			return !(len(rest) == 1 && strings.HasSuffix(rest[0], ".cfg"))
		}
		name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if slices.Contains(delegated, name) {
			return false
		}
	}
	return true
}

// options are the parsed command line.
type options struct {
	json, sarif      bool
	context          int
	tests            bool
	baseline, record string
	verbose          bool
	profiles         profiles
	analyzers        []*analysis.Analyzer
	patterns         []string
	progress         *progress
}

// Main runs the command line args (without the program name) with the
// suite and returns the exit status. Findings go to stderr as text (as
// go vet prints them), to stdout as JSON or SARIF; messages about the run
// go to stderr.
func Main(args []string, suite []*analysis.Analyzer, stdout, stderr io.Writer) int {
	opts, err := parse(args, suite, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitClean
	}
	if err != nil {
		fmt.Fprintf(stderr, "cancelcheck: %v\n", err)
		fmt.Fprintf(stderr, "run 'cancelcheck -help' for usage\n")
		return ExitError
	}
	f, _ := stderr.(*os.File)
	opts.progress = newProgress(stderr, isTerminal(f), opts.verbose)
	var base *baseline.Baseline
	if opts.baseline != "" {
		if base, err = readBaseline(opts.baseline); err != nil {
			fmt.Fprintf(stderr, "cancelcheck: %v\n", err)
			return ExitError
		}
	}

	stop, err := opts.profiles.start()
	if err != nil {
		stop()
		fmt.Fprintf(stderr, "cancelcheck: %v\n", err)
		return ExitError
	}
	unlimit := limitMemory()
	findings, ok, failed := analyze(opts, stderr)
	unlimit()
	stop()
	if failed {
		// Report what could be analysed, but never let a partial run pass.
		defer fmt.Fprintln(stderr, "cancelcheck: some packages could not be loaded or analysed")
	}
	if !ok {
		return ExitError
	}

	if opts.record != "" {
		if failed {
			fmt.Fprintf(stderr, "cancelcheck: %s not written: the run was incomplete\n", opts.record)
			return ExitError
		}
		if err := writeBaseline(opts.record, findings); err != nil {
			fmt.Fprintf(stderr, "cancelcheck: %v\n", err)
			return ExitError
		}
		fmt.Fprintf(stderr, "cancelcheck: recorded %d findings in %s\n", len(findings), opts.record)
		return ExitClean
	}

	report := findings
	if base != nil {
		report = unrecorded(findings, base)
		if n := len(findings) - len(report); n > 0 {
			fmt.Fprintf(stderr, "cancelcheck: %d findings recorded in %s not reported\n", n, opts.baseline)
		}
	}
	switch {
	case opts.sarif:
		err = writeSARIF(stdout, suite, report, base != nil)
	case opts.json:
		err = writeJSON(stdout, report)
	default:
		err = writeText(stderr, report, opts.context)
	}
	if err != nil {
		fmt.Fprintf(stderr, "cancelcheck: %v\n", err)
		return ExitError
	}
	switch {
	case failed:
		return ExitError
	case len(report) > 0:
		return ExitFindings
	}
	return ExitClean
}

const usage = `cancelcheck reports code that does not survive cancellation.

Usage: cancelcheck [flags] packages

Findings are printed to stderr, or to stdout with -json or -sarif.
Exit status: 0 nothing to report, 1 findings (with -baseline: new
findings), 2 usage error or packages that cannot be loaded or analysed.

Other modes, handled by the golang.org/x/tools drivers:
  cancelcheck -fix [-diff] packages   apply (or show) the suggested fixes
  cancelcheck help [rule]             the rules' documentation
  go vet -vettool=$(command -v cancelcheck) packages

Flags:
`

func parse(args []string, suite []*analysis.Analyzer, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("cancelcheck", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts := &options{}
	fs.BoolVar(&opts.json, "json", false, "print the findings as JSON (the x/tools drivers' format) on stdout")
	fs.BoolVar(&opts.sarif, "sarif", false, "print the findings as a SARIF 2.1.0 log on stdout")
	fs.IntVar(&opts.context, "c", -1, "print this many lines of context around each finding (text only)")
	fs.BoolVar(&opts.tests, "test", true, "also analyse the packages' tests")
	fs.BoolVar(&opts.verbose, "v", false, "print each package's time on stderr as it is done")
	fs.StringVar(&opts.profiles.cpu, "cpuprofile", "", "write a CPU profile of the run to `file`")
	fs.StringVar(&opts.profiles.mem, "memprofile", "", "write a heap profile to `file`, taken when the heap is at its largest")
	fs.StringVar(&opts.profiles.trace, "trace", "", "write an execution trace of the run to `file`")
	fs.StringVar(&opts.baseline, "baseline", "", "report only the findings not recorded in this `file`")
	fs.StringVar(&opts.record, "baseline-write", "", "record the findings in this `file` and exit 0")
	fs.Bool("all", false, "also report problems that no cancellable entry point reaches (every rule's -<rule>.all)")
	enable := make(map[*analysis.Analyzer]*triState)
	for _, a := range suite {
		enable[a] = new(triState)
		fs.Var(enable[a], a.Name, "run only the rules given this way; -"+a.Name+"=false: all but this one")
		a.Flags.VisitAll(func(f *flag.Flag) {
			fs.Var(f.Value, a.Name+"."+f.Name, f.Usage)
		})
	}
	for _, f := range PassFlags(suite) {
		fs.Var(f.Value, f.Name, f.Usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usage)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
		}
		return nil, err
	}
	if fs.Lookup("all").Value.String() == "true" {
		for _, a := range suite {
			if f := a.Flags.Lookup("all"); f != nil {
				f.Value.Set("true")
			}
		}
	}
	opts.patterns = fs.Args()
	switch {
	case len(opts.patterns) == 0:
		return nil, errors.New("no packages given (try ./...)")
	case opts.json && opts.sarif:
		return nil, errors.New("-json and -sarif do not go together")
	case opts.record != "" && (opts.json || opts.sarif || opts.baseline != ""):
		return nil, errors.New("-baseline-write records the findings; it prints none (no -json, -sarif or -baseline)")
	}
	someOn := false
	for _, a := range suite {
		someOn = someOn || *enable[a] == on
	}
	for _, a := range suite {
		if (someOn && *enable[a] == on) || (!someOn && *enable[a] != off) {
			opts.analyzers = append(opts.analyzers, a)
		}
	}
	if len(opts.analyzers) == 0 {
		return nil, errors.New("every rule is turned off")
	}
	return opts, nil
}

// triState is a rule's selection flag: unset, on or off.
type triState int

const (
	unset triState = iota
	on
	off
)

func (t *triState) String() string {
	switch *t {
	case on:
		return "true"
	case off:
		return "false"
	}
	return ""
}
func (t *triState) IsBoolFlag() bool { return true }
func (t *triState) Set(s string) error {
	switch s {
	case "true", "1":
		*t = on
	case "false", "0":
		*t = off
	default:
		return fmt.Errorf("want true or false, not %q", s)
	}
	return nil
}

// A finding is one diagnostic of one rule.
type finding struct {
	rule  string
	pkgID string
	fset  *token.FileSet
	diag  analysis.Diagnostic
	posn  token.Position
	key   baseline.Key
}

// newFinding makes a finding of a diagnostic on u's package, whose
// files are still there for its baseline key.
func (r *runner) newFinding(a *analysis.Analyzer, u *unit, files []*ast.File, d analysis.Diagnostic) finding {
	return finding{
		rule:  a.Name,
		pkgID: u.pkg.ID,
		fset:  r.fset,
		diag:  d,
		posn:  r.fset.Position(d.Pos),
		key:   baseline.MakeKey(a.Name, u.pkg.PkgPath, r.fset, files, d.Pos, d.Message),
	}
}

// analyze loads the packages and runs the analyzers. It returns the
// findings sorted by position and free of the duplicates that a file
// shared by a package and its test variant gives; ok is false when
// nothing could be analysed; failed reports load or analysis errors,
// which it prints.
//
// go/packages gives the graph of the packages and their dependencies,
// nothing parsed; each package is then parsed, type-checked and analysed
// after its imports, and only its types and facts are kept (see unit).
func analyze(opts *options, stderr io.Writer) (list []finding, ok, failed bool) {
	cfg := &packages.Config{Mode: graphMode, Tests: opts.tests}
	pkgs, err := packages.Load(cfg, opts.patterns...)
	if err != nil {
		fmt.Fprintf(stderr, "cancelcheck: %v\n", err)
		return nil, false, true
	}
	if len(pkgs) == 0 {
		fmt.Fprintf(stderr, "cancelcheck: %s matched no packages\n", strings.Join(opts.patterns, " "))
		return nil, false, true
	}
	all, roots := units(pkgs)
	r := newRunner(opts.analyzers, runtime.GOMAXPROCS(0), opts.progress)
	r.progress.begin(len(all))
	r.schedule(all, r.process)
	r.progress.end()

	broken := printErrors(pkgs, stderr)
	type dedup struct {
		posn, end token.Position
		rule, msg string
	}
	seen := make(map[dedup]bool)
	for _, a := range opts.analyzers {
		for _, u := range roots {
			if err := u.errs[a]; err != nil {
				if !broken[u.pkg] {
					fmt.Fprintf(stderr, "cancelcheck: %s on %s: %v\n", a.Name, u.pkg.ID, err)
				}
				failed = true
				continue
			}
			for _, f := range u.findings {
				if f.rule != a.Name {
					continue
				}
				k := dedup{f.posn, r.fset.Position(f.diag.End), f.rule, f.diag.Message}
				if seen[k] {
					continue
				}
				seen[k] = true
				list = append(list, f)
			}
		}
	}
	slices.SortFunc(list, func(a, b finding) int {
		return cmp.Or(cmp.Compare(a.posn.Filename, b.posn.Filename), cmp.Compare(a.posn.Offset, b.posn.Offset),
			cmp.Compare(a.rule, b.rule), cmp.Compare(a.diag.Message, b.diag.Message))
	})
	return list, true, failed || len(broken) > 0
}

// printErrors prints the errors of the packages and their dependencies,
// each once, and returns the packages that have errors of their own or
// in a dependency: the analysis skips them.
func printErrors(pkgs []*packages.Package, stderr io.Writer) map[*packages.Package]bool {
	broken := make(map[*packages.Package]bool)
	printed := make(map[string]bool)
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, err := range p.Errors {
			msg := err.Msg
			if err.Pos != "" && err.Pos != "-" {
				msg = relative(err.Pos) + ": " + msg
			} else {
				msg = "cancelcheck: " + msg
			}
			if !printed[msg] {
				printed[msg] = true
				fmt.Fprintln(stderr, msg)
			}
		}
		bad := len(p.Errors) > 0
		for _, imp := range p.Imports {
			bad = bad || broken[imp]
		}
		if bad {
			broken[p] = true
		}
	})
	return broken
}

// unrecorded returns the findings that the baseline does not record.
func unrecorded(list []finding, base *baseline.Baseline) []finding {
	m := base.Matcher()
	var out []finding
	for _, f := range list {
		if !m.Recorded(f.key) {
			out = append(out, f)
		}
	}
	return out
}

func readBaseline(name string) (*baseline.Baseline, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := baseline.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return b, nil
}

func writeBaseline(name string, list []finding) error {
	keys := make([]baseline.Key, len(list))
	for i, f := range list {
		keys[i] = f.key
	}
	out, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := baseline.New(keys).Write(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// relative shortens a position (or file name) under the current
// directory to a relative one, as the go command prints them.
func relative(posn string) string {
	wd, err := os.Getwd()
	if err != nil {
		return posn
	}
	if rel, ok := strings.CutPrefix(posn, wd+string(filepath.Separator)); ok {
		return rel
	}
	return posn
}

// writeText prints findings as go vet does: "file:line:col: message",
// with the related information indented below.
func writeText(w io.Writer, list []finding, context int) error {
	var b strings.Builder
	print := func(fset *token.FileSet, pos, end token.Pos, msg string) {
		posn := fset.Position(pos)
		fmt.Fprintf(&b, "%s: %s\n", relative(posn.String()), msg)
		if context < 0 {
			return
		}
		stop := fset.Position(end)
		if !stop.IsValid() {
			stop = posn
		}
		data, _ := os.ReadFile(posn.Filename)
		lines := strings.Split(string(data), "\n")
		for i := max(posn.Line-context, 1); i <= min(stop.Line+context, len(lines)); i++ {
			fmt.Fprintf(&b, "%d\t%s\n", i, lines[i-1])
		}
	}
	for _, f := range list {
		fset := f.fset
		print(fset, f.diag.Pos, f.diag.End, f.diag.Message)
		for _, rel := range f.diag.Related {
			print(fset, rel.Pos, rel.End, "\t"+rel.Message)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeJSON prints findings in the x/tools drivers' -json format: by
// package ID, then analyzer.
func writeJSON(w io.Writer, list []finding) error {
	type edit struct {
		Filename string `json:"filename"`
		Start    int    `json:"start"`
		End      int    `json:"end"`
		New      string `json:"new"`
	}
	type fix struct {
		Message string `json:"message"`
		Edits   []edit `json:"edits"`
	}
	type related struct {
		Posn    string `json:"posn"`
		End     string `json:"end"`
		Message string `json:"message"`
	}
	type diagnostic struct {
		Category       string    `json:"category,omitempty"`
		Posn           string    `json:"posn"`
		End            string    `json:"end"`
		Message        string    `json:"message"`
		SuggestedFixes []fix     `json:"suggested_fixes,omitempty"`
		Related        []related `json:"related,omitempty"`
	}
	tree := make(map[string]map[string][]diagnostic)
	for _, f := range list {
		fset, d := f.fset, f.diag
		jd := diagnostic{
			Category: d.Category,
			Posn:     fset.Position(d.Pos).String(),
			End:      fset.Position(cmp.Or(d.End, d.Pos)).String(),
			Message:  d.Message,
		}
		for _, sf := range d.SuggestedFixes {
			jf := fix{Message: sf.Message, Edits: []edit{}}
			for _, e := range sf.TextEdits {
				jf.Edits = append(jf.Edits, edit{
					Filename: fset.Position(e.Pos).Filename,
					Start:    fset.Position(e.Pos).Offset,
					End:      fset.Position(cmp.Or(e.End, e.Pos)).Offset,
					New:      string(e.NewText),
				})
			}
			jd.SuggestedFixes = append(jd.SuggestedFixes, jf)
		}
		for _, r := range d.Related {
			jd.Related = append(jd.Related, related{
				Posn:    fset.Position(r.Pos).String(),
				End:     fset.Position(cmp.Or(r.End, r.Pos)).String(),
				Message: r.Message,
			})
		}
		if tree[f.pkgID] == nil {
			tree[f.pkgID] = make(map[string][]diagnostic)
		}
		tree[f.pkgID][f.rule] = append(tree[f.pkgID][f.rule], jd)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "\t")
	return enc.Encode(tree)
}

// writeSARIF prints findings as a SARIF log whose rules are the whole
// suite and whose file names are relative to the current directory.
func writeSARIF(w io.Writer, suite []*analysis.Analyzer, list []finding, baselined bool) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	tool := sarif.ToolInfo{Name: "cancelcheck", InformationURI: RepoURL}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		tool.Version = info.Main.Version
	}
	b := sarif.NewBuilder(tool, suite, root, os.ReadFile)
	occurrences := make(map[baseline.Key]int)
	for _, f := range list {
		b.Add(sarif.Finding{
			Rule:        f.rule,
			Fset:        f.fset,
			Diagnostic:  f.diag,
			Fingerprint: f.key.Fingerprint(occurrences[f.key]),
			New:         baselined,
		})
		occurrences[f.key]++
	}
	return b.Log().Write(w)
}

// PassFlags returns the flags of the analyzers that the suite requires
// but does not list, such as the cancellable pass's -entrypoints: they
// configure what every rule reads, so the drivers expose them unprefixed
// (-entrypoints, not -cancellable.entrypoints, which the x/tools drivers
// do not offer for a pass they are not given).
func PassFlags(suite []*analysis.Analyzer) []*flag.Flag {
	listed := make(map[*analysis.Analyzer]bool)
	for _, a := range suite {
		listed[a] = true
	}
	var flags []*flag.Flag
	seen := make(map[*analysis.Analyzer]bool)
	var visit func(a *analysis.Analyzer)
	visit = func(a *analysis.Analyzer) {
		if seen[a] {
			return
		}
		seen[a] = true
		if !listed[a] {
			a.Flags.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
		}
		for _, req := range a.Requires {
			visit(req)
		}
	}
	for _, a := range suite {
		visit(a)
	}
	return flags
}
