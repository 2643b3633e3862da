// Command findings turns the JSON that go vet -vettool=cancelcheck -json
// prints into files a person reads, for scripts/realmodules.sh and
// scripts/recall.sh, which would otherwise need jq:
//
//	findings rules < flags.json                     the analyzers' names, from cancelcheck -flags
//	findings collect -root DIR < vet.json           the findings as JSON lines, sorted by position
//	findings summary -rules a,b < findings.jsonl    findings per rule, as tab-separated lines
//	findings sample -root DIR -rules a,b -n 30 -seed 1 -context 3 -title T < findings.jsonl
//	                                                a random sample per rule, as Markdown
//	findings near -file F -line L -window 3 < findings.jsonl
//	                                                the findings in F within L±window
//	findings mapline -line L < diff                 where line L of the old file is in the new one
//
// Paths: collect writes each file relative to -root when it is inside it;
// near compares a file with -file by path suffix, so either may be relative.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A Finding is one diagnostic of one analyzer, as collect writes it.
type Finding struct {
	Rule    string `json:"rule"`
	Package string `json:"package"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
	// Related are the diagnostic's related positions: the call path's
	// steps, and the problem's own position when it is in another package.
	Related []Position `json:"related,omitempty"`
}

// A Position is a related position of a finding.
type Position struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: findings rules|collect|summary|sample|near|mapline [flags]")
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	root := fs.String("root", "", "module directory: positions inside it are written relative to it")
	rules := fs.String("rules", "", "comma-separated rules, in the order to report them")
	n := fs.Int("n", 30, "findings sampled per rule")
	seed := fs.Uint64("seed", 1, "seed of the sample")
	context := fs.Int("context", 3, "source lines shown either side of a sampled finding")
	title := fs.String("title", "cancelcheck findings", "title of the sample")
	file := fs.String("file", "", "file for near")
	line := fs.Int("line", 0, "line for near and mapline")
	window := fs.Int("window", 3, "lines either side for near")
	fs.Parse(args)

	var err error
	in, out := bufio.NewReader(os.Stdin), bufio.NewWriter(os.Stdout)
	switch cmd {
	case "rules":
		var names []string
		if names, err = ruleNames(in); err == nil {
			fmt.Fprintln(out, strings.Join(names, "\n"))
		}
	case "collect":
		var fds []Finding
		var errs []string
		if fds, errs, err = collect(in, *root); err == nil {
			for _, e := range errs {
				fmt.Fprintln(os.Stderr, e)
			}
			err = writeLines(out, fds)
		}
	case "summary", "sample", "near":
		var fds []Finding
		if fds, err = readLines(in); err != nil {
			break
		}
		switch cmd {
		case "summary":
			for _, c := range count(fds, split(*rules)) {
				fmt.Fprintf(out, "%s\t%d\n", c.rule, c.n)
			}
		case "sample":
			err = writeSample(out, fds, split(*rules), *root, *title, *n, *seed, *context)
		case "near":
			err = writeLines(out, near(fds, *file, *line, *window))
		}
	case "mapline":
		var l int
		if l, err = mapLine(in, *line); err == nil {
			fmt.Fprintln(out, l)
		}
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "findings %s: %v\n", cmd, err)
		os.Exit(1)
	}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// enableUsage is the usage that the x/tools checkers give each analyzer's
// boolean flag, so the list follows the binary, not this file.
var enableUsage = regexp.MustCompile(`^enable "([^"]+)" analysis$`)

// ruleNames reads cancelcheck -flags and returns the analyzers' names.
func ruleNames(r io.Reader) ([]string, error) {
	var flags []struct{ Name, Usage string }
	if err := json.NewDecoder(r).Decode(&flags); err != nil {
		return nil, err
	}
	var names []string
	for _, f := range flags {
		if m := enableUsage.FindStringSubmatch(f.Usage); m != nil && m[1] == f.Name {
			names = append(names, f.Name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no analyzer flags in the input")
	}
	return names, nil
}

// collect reads what go vet -json prints: one JSON object per package,
// mapping the package to each analyzer's diagnostics or to its error, and
// lines starting with '#' between them. It returns the diagnostics sorted by
// position, and the analyzers' errors.
func collect(r io.Reader, root string) ([]Finding, []string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	root = realPath(root)
	var fds []Finding
	var errs []string
	for len(bytes.TrimSpace(data)) > 0 {
		data = bytes.TrimLeft(data, " \t\r\n")
		if data[0] != '{' { // "# package" and other text lines
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				data = data[i+1:]
			} else {
				data = nil
			}
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		var tree map[string]map[string]json.RawMessage
		if err := dec.Decode(&tree); err != nil {
			return nil, nil, fmt.Errorf("go vet -json output: %v", err)
		}
		data = data[dec.InputOffset():]
		for pkg, analyzers := range tree {
			for rule, raw := range analyzers {
				var failed struct{ Error string }
				if json.Unmarshal(raw, &failed) == nil && failed.Error != "" {
					errs = append(errs, fmt.Sprintf("%s: %s: %s", pkg, rule, failed.Error))
					continue
				}
				var diags []struct {
					Posn, Message string
					Related       []struct{ Posn, Message string }
				}
				if err := json.Unmarshal(raw, &diags); err != nil {
					return nil, nil, fmt.Errorf("%s: %s: %v", pkg, rule, err)
				}
				for _, d := range diags {
					f := Finding{Rule: rule, Package: pkg, Message: d.Message}
					f.File, f.Line, f.Col = splitPosn(d.Posn)
					f.File = relativeTo(root, f.File)
					for _, r := range d.Related {
						p := Position{Message: r.Message}
						p.File, p.Line, p.Col = splitPosn(r.Posn)
						p.File = relativeTo(root, p.File)
						f.Related = append(f.Related, p)
					}
					fds = append(fds, f)
				}
			}
		}
	}
	slices.SortFunc(fds, func(a, b Finding) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if a.Col != b.Col {
			return a.Col - b.Col
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	slices.Sort(errs)
	return fds, errs, nil
}

// splitPosn splits "file:line:col" (or "file:line", or "file").
func splitPosn(posn string) (file string, line, col int) {
	file = posn
	for _, p := range []*int{&col, &line} {
		i := strings.LastIndexByte(file, ':')
		if i < 0 {
			break
		}
		v, err := strconv.Atoi(file[i+1:])
		if err != nil {
			break
		}
		*p, file = v, file[:i]
	}
	if line == 0 { // "file:line": the one number read was the line
		line, col = col, 0
	}
	return file, line, col
}

func realPath(p string) string {
	if p == "" {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	return p
}

func relativeTo(root, file string) string {
	if root == "" {
		return file
	}
	for _, f := range []string{file, realPath(file)} {
		if rel, err := filepath.Rel(root, f); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return file
}

func writeLines(w io.Writer, fds []Finding) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, f := range fds {
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	return nil
}

func readLines(r io.Reader) ([]Finding, error) {
	var fds []Finding
	dec := json.NewDecoder(r)
	for {
		var f Finding
		if err := dec.Decode(&f); err == io.EOF {
			return fds, nil
		} else if err != nil {
			return nil, err
		}
		fds = append(fds, f)
	}
}

type ruleCount struct {
	rule string
	n    int
}

// count returns the findings per rule: every rule of rules in its order,
// with zeros, then any other rule that has findings, by name.
func count(fds []Finding, rules []string) []ruleCount {
	by := map[string]int{}
	for _, f := range fds {
		by[f.Rule]++
	}
	var cs []ruleCount
	for _, r := range rules {
		cs = append(cs, ruleCount{r, by[r]})
		delete(by, r)
	}
	var others []string
	for r := range by {
		others = append(others, r)
	}
	slices.Sort(others)
	for _, r := range others {
		cs = append(cs, ruleCount{r, by[r]})
	}
	return cs
}

// sample picks up to n findings of each rule at random (the same ones for
// the same seed and findings), in the order of their positions.
func sample(fds []Finding, rules []string, n int, seed uint64) map[string][]Finding {
	by := map[string][]Finding{}
	for _, f := range fds {
		by[f.Rule] = append(by[f.Rule], f)
	}
	picked := map[string][]Finding{}
	for _, c := range count(fds, rules) {
		all := by[c.rule]
		rng := rand.New(rand.NewPCG(seed, uint64(len(all))))
		idx := rng.Perm(len(all))
		if len(idx) > n {
			idx = idx[:n]
		}
		slices.Sort(idx)
		for _, i := range idx {
			picked[c.rule] = append(picked[c.rule], all[i])
		}
	}
	return picked
}

// writeSample writes the sample as Markdown: per rule, each finding's
// position, message and the source around it, with a verdict to fill in.
func writeSample(w io.Writer, fds []Finding, rules []string, root, title string, n int, seed uint64, context int) error {
	picked := sample(fds, rules, n, seed)
	fmt.Fprintf(w, "# %s\n\n", title)
	fmt.Fprintf(w, "Up to %d findings per rule, picked at random (seed %d). Judge each: mark the verdict true (a real hazard) or false, with a reason.\n\n", n, seed)
	fmt.Fprintln(w, "| rule | findings | sampled |\n|---|---:|---:|")
	cs := count(fds, rules)
	for _, c := range cs {
		fmt.Fprintf(w, "| %s | %d | %d |\n", c.rule, c.n, len(picked[c.rule]))
	}
	for _, c := range cs {
		if len(picked[c.rule]) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n## %s\n", c.rule)
		for i, f := range picked[c.rule] {
			fmt.Fprintf(w, "\n### %s %d/%d: %s:%d:%d\n\n", c.rule, i+1, len(picked[c.rule]), f.File, f.Line, f.Col)
			fmt.Fprintf(w, "%s\n\n", quote(f.Message))
			src, err := excerpt(root, f.File, f.Line, context)
			if err != nil {
				fmt.Fprintf(w, "(no source: %v)\n\n", err)
			} else {
				fmt.Fprintf(w, "```go\n%s```\n\n", src)
			}
			fmt.Fprintln(w, "verdict: ")
		}
	}
	return nil
}

func quote(s string) string {
	return "> " + strings.ReplaceAll(s, "\n", "\n> ")
}

// excerpt returns the lines line±context of file, numbered, the finding's
// line marked with '>'.
func excerpt(root, file string, line, context int) (string, error) {
	if !filepath.IsAbs(file) && root != "" {
		file = filepath.Join(root, file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	lines := strings.Split(string(data), "\n")
	var b strings.Builder
	for l := max(1, line-context); l <= min(len(lines), line+context); l++ {
		mark := " "
		if l == line {
			mark = ">"
		}
		fmt.Fprintf(&b, "%s%5d  %s\n", mark, l, strings.ReplaceAll(lines[l-1], "```", "'''"))
	}
	return b.String(), nil
}

// near returns the findings at file:line±window, by their own position or
// a related one (a problem in another package is reported at the call site
// in the entry point's package, its own position related). Files match
// when one path ends with the other.
func near(fds []Finding, file string, line, window int) []Finding {
	file = filepath.ToSlash(filepath.Clean(file))
	at := func(f string, l int) bool {
		f = filepath.ToSlash(f)
		return (pathSuffix(f, file) || pathSuffix(file, f)) && l >= line-window && l <= line+window
	}
	var out []Finding
	for _, f := range fds {
		hit := at(f.File, f.Line)
		for _, r := range f.Related {
			hit = hit || at(r.File, r.Line)
		}
		if hit {
			out = append(out, f)
		}
	}
	return out
}

func pathSuffix(long, short string) bool {
	return long == short || strings.HasSuffix(long, "/"+short)
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

// mapLine reads a unified diff of one file and returns the line of the new
// file that line of the old file became: shifted by the hunks before it,
// or, when a hunk changed it, the first line of what replaced it.
func mapLine(r io.Reader, line int) (int, error) {
	shift := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	for sc.Scan() {
		m := hunkHeader.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		oldStart, oldLen := atoi(m[1]), 1
		if m[2] != "" {
			oldLen = atoi(m[2])
		}
		newStart, newLen := atoi(m[3]), 1
		if m[4] != "" {
			newLen = atoi(m[4])
		}
		if oldLen == 0 { // pure insertion after oldStart
			if line > oldStart {
				shift += newLen
				continue
			}
			break
		}
		if line < oldStart {
			break
		}
		if line < oldStart+oldLen {
			return newStart, nil
		}
		shift += newLen - oldLen
	}
	return line + shift, sc.Err()
}

func atoi(s string) int {
	v, _ := strconv.Atoi(s)
	return v
}
