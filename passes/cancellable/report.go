package cancellable

import (
	"cmp"
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// Result is what the cancellable pass gives the rules about one package:
// its entry points and the latent problems of its functions. A package
// that the pass skipped has a Result with nothing in it.
type Result struct {
	pkg     *types.Package
	state   *state
	entries []entry
	late    []lateFinding // problems of implementations bound here (latebind.go)
}

// An entry point of the package.
type entry struct {
	name string    // as call paths show it
	pos  token.Pos // its declaration, or the registration that marks it
	// local is the entry's source function; for a function of another
	// package registered here, remote is its summary.
	local  *Func
	remote *Summary
}

// Entry describes an entry point.
type Entry struct {
	Name string    // "OnGet", "Server.OnGet", "routes.func1", "rooms.OnGet"
	Pos  token.Pos // the declaration (//cancelcheck:cancellable) or the registration call
}

// Skipped lists the functions (or the package) that the pass skipped after
// an internal error, with the error: they have no summary and no findings.
func (r *Result) Skipped() []string { return r.state.errs }

// Entries lists the package's entry points in source order.
func (r *Result) Entries() []Entry {
	var out []Entry
	for _, e := range r.entries {
		out = append(out, Entry{Name: e.name, Pos: e.pos})
	}
	return out
}

// Options controls what a rule reports.
type Options struct {
	// All also reports the problems of this package that no entry point
	// reaches (for libraries whose entry points live elsewhere), each with
	// the call path from the function that contains it.
	All bool
}

// Report reports the latent problems of rule that the package's entry
// points reach: at the problem's own position when it is in this package,
// otherwise at the call in this package through which the entry point
// reaches it, naming the remote position. Each problem is reported once,
// with the shortest call path. Findings on a line carrying (or below) a
// //cancelcheck:ignore <rule> <reason> directive are suppressed. A
// malformed directive is reported by one rule (see docs/integrations.md):
// an ignore directive without a reason by the rule it names, one naming a
// misspelt rule by that rule, any other by swallowedcancel.
func (r *Result) Report(pass *analysis.Pass, rule string, opts Options) {
	s := r.state
	type finding struct {
		latent
		entry string
	}
	best := make(map[[2]string]finding)
	consider := func(l latent, entryName string) {
		k := [2]string{pass.Fset.Position(l.pos).String(), l.Pos}
		if old, ok := best[k]; !ok || len(l.Path) < len(old.Path) {
			best[k] = finding{l, entryName}
		}
	}
	for _, e := range r.entries {
		for _, l := range e.latent() {
			if l.Rule == rule {
				consider(l, e.name)
			}
		}
	}
	via := make(map[string]string) // late findings: the interface they are reached through
	for _, l := range r.late {
		if l.Rule == rule {
			consider(l.latent, "")
			via[pass.Fset.Position(l.pos).String()+"\x00"+l.Pos] = l.via
		}
	}
	if opts.All || isContextRule(rule) {
		for _, f := range s.funcs {
			for _, l := range f.latent {
				// A context rule's problem of another package is here only
				// when a function this one passes triggers it (a
				// ParamProblem) or a call reaches it (ctxbackground's
				// spawns): reported at the call.
				if l.Rule == rule && (l.local || isContextRule(rule)) {
					consider(l, "")
				}
			}
		}
	}
	findings := make([]finding, 0, len(best))
	for _, f := range best {
		findings = append(findings, f)
	}
	slices.SortFunc(findings, func(a, b finding) int {
		return cmp.Or(cmp.Compare(a.pos, b.pos), comparePos(a.Pos, b.Pos))
	})
	for _, f := range findings {
		if !f.local && s.dirs.ignored(pass.Fset, rule, f.pos) || !generated && s.inGeneratedFile(f.pos) {
			continue
		}
		d := analysis.Diagnostic{Pos: f.pos, Category: rule, Related: s.related(f.latent)}
		if f.local {
			d.Message = rule + ": " + f.Reason
			d.SuggestedFixes = f.fixes
		} else {
			// The fix belongs in the other package, where the problem is.
			last := f.Path[len(f.Path)-1]
			d.Message = fmt.Sprintf("%s: in %s at %s: %s", rule, s.stepName(last), remotePos(last.Pkg, f.Pos), f.Reason)
			if v := via[pass.Fset.Position(f.pos).String()+"\x00"+f.Pos]; v != "" {
				d.Message = fmt.Sprintf("%s: in %s at %s, which %s may call here: %s", rule, s.stepName(last), remotePos(last.Pkg, f.Pos), v, f.Reason)
			}
		}
		if inline {
			d.Message += inlineDetail(f.latent, s.pathString(f.Path))
			d.Related = nil
		} else {
			d.Message += fixThere(f.latent)
		}
		pass.Report(d)
	}
	for _, p := range s.dirs.problems {
		if p.rule == rule {
			pass.Reportf(p.pos, "%s: %s", rule, p.message)
		}
	}
}

// related returns what a finding shows below its message, in order: why
// it is wrong (at the finding), where each function on the call path
// calls the next, then, for a problem in another package, the problem
// itself, then the problem's notes. A position that this pass's file set cannot show is left out
// (the message names it): see resolve.
func (s *state) related(l latent) []analysis.RelatedInformation {
	var out []analysis.RelatedInformation
	if l.Why != "" {
		out = append(out, analysis.RelatedInformation{Pos: l.pos, Message: l.Why})
	}
	for i, step := range l.Path[:max(len(l.Path)-1, 0)] {
		if pos := s.resolve(step.Call); pos.IsValid() {
			out = append(out, analysis.RelatedInformation{
				Pos:     pos,
				Message: s.stepName(step) + " calls " + s.stepName(l.Path[i+1]),
			})
		}
	}
	if !l.local && len(l.Path) > 0 {
		if pos := s.resolve(l.Pos); pos.IsValid() {
			out = append(out, analysis.RelatedInformation{
				Pos:     pos,
				Message: "the problem, in " + s.stepName(l.Path[len(l.Path)-1]),
			})
		}
	}
	return append(out, l.notes...)
}

// resolve turns a "file:line:col" position recorded in a fact into a
// position of the pass's file set, or NoPos. The files of this package
// are always there. Those of other packages are there, with their lines,
// when the driver loaded them from source (the standalone command,
// analysistest, golangci-lint); under go vet only the positions that the
// export data of the imports carries are (a file's lines up to its last
// declaration, and no columns: the position is then the line's start).
func (s *state) resolve(posn string) token.Pos {
	if posn == "" {
		return token.NoPos
	}
	if pos := s.posOf(posn); pos.IsValid() {
		return pos
	}
	name, line, col := splitPos(posn)
	s.fsetFilesOnce.Do(func() {
		s.fsetFiles = make(map[string]*token.File)
		s.pass.Fset.Iterate(func(tf *token.File) bool {
			if old := s.fsetFiles[tf.Name()]; old == nil || tf.LineCount() > old.LineCount() {
				s.fsetFiles[tf.Name()] = tf
			}
			return true
		})
	})
	tf := s.fsetFiles[name]
	if tf == nil || line < 1 || line > tf.LineCount() {
		return token.NoPos
	}
	start := tf.LineStart(line)
	end := tf.Size()
	if line < tf.LineCount() {
		end = tf.Offset(tf.LineStart(line + 1))
	}
	if off := tf.Offset(start) + col - 1; col > 1 && off < end {
		return tf.Pos(off)
	}
	return start
}

// latent returns the problems an entry point reaches.
func (e *entry) latent() []latent {
	if e.local != nil {
		return e.local.latent
	}
	if e.remote == nil {
		return nil
	}
	out := make([]latent, 0, len(e.remote.Latent))
	for _, p := range e.remote.Latent {
		out = append(out, latent{Problem: p, pos: e.pos})
	}
	return out
}

// fixThere is what a finding reported at a call adds to its message when
// the problem in the other package has a suggested fix: how to apply it.
func fixThere(l latent) string {
	if l.local || !l.Fixable {
		return ""
	}
	return fmt.Sprintf("; to apply the suggested fix there: cancelcheck -%s -all -fix %s", l.Rule, l.Path[len(l.Path)-1].Pkg)
}

// inlineDetail is what -inline adds to a finding's message: why it is
// wrong and the call path, which drivers otherwise show below it.
func inlineDetail(l latent, path string) string {
	var b strings.Builder
	if l.Why != "" {
		b.WriteString(": " + l.Why)
	}
	b.WriteString(fixThere(l))
	if len(l.Path) > 1 || !isContextRule(l.Rule) {
		b.WriteString(" (call path: " + path + ")")
	}
	return b.String()
}

// pathString renders a call path: "OnGet → loadRoom → store.Fetch".
func (s *state) pathString(path []Step) string {
	names := make([]string, len(path))
	for i, step := range path {
		names[i] = s.stepName(step)
	}
	return strings.Join(names, " → ")
}

// stepName qualifies a step's function with its package name when it is
// not in the package being analysed.
func (s *state) stepName(step Step) string {
	if step.Pkg == s.pass.Pkg.Path() {
		return step.Func
	}
	return step.Pkg[strings.LastIndex(step.Pkg, "/")+1:] + "." + step.Func
}

// remotePos renders a position in another package as "pkgpath/file.go:line".
func remotePos(pkg, pos string) string {
	return pkg + "/" + shortPos(pos)
}

// findEntries collects the package's entry points: functions declared
// //cancelcheck:cancellable, and functions passed to a function marked
// //cancelcheck:marks-cancellable (of this package or another).
func (s *state) findEntries() {
	seen := make(map[*ssa.Function]bool)
	for _, f := range s.funcs {
		if f.Summary.Cancellable && !f.failed {
			s.result.entries = append(s.result.entries, entry{name: f.Name(), pos: f.decl.Name.Pos(), local: f})
			seen[f.SSA] = true
		}
	}
	scan := func(f *Func) {
		for _, b := range f.SSA.Blocks {
			for _, instr := range b.Instrs {
				call, ok := instr.(ssa.CallInstruction)
				if !ok {
					continue
				}
				c := call.Common()
				if callee := f.Callee(c); callee.Summary == nil || !callee.Summary.MarksCancellable {
					continue
				}
				for _, arg := range Args(c) {
					fvs := []Callee{f.FuncValue(arg)}
					if !fvs[0].Resolved() {
						// A route table: a field of a slice literal's
						// elements, a variable, a map of handlers.
						fvs, _ = f.funcValues(arg, make(map[ssa.Value]bool))
					}
					for _, fv := range fvs {
						switch {
						case fv.Local != nil && !fv.Local.failed:
							if !seen[fv.Local.SSA] {
								seen[fv.Local.SSA] = true
								s.result.entries = append(s.result.entries, entry{name: fv.Name, pos: call.Pos(), local: fv.Local})
							}
						case fv.Summary != nil && call.Pos().IsValid():
							s.result.entries = append(s.result.entries, entry{name: fv.Name, pos: call.Pos(), remote: fv.Summary})
						}
					}
				}
			}
		}
	}
	for _, f := range s.funcs {
		if !f.failed {
			scan(f)
		}
	}
	for _, init := range s.inits {
		scan(&Func{SSA: init, s: s})
	}
	slices.SortStableFunc(s.result.entries, func(a, b entry) int { return cmp.Compare(a.pos, b.pos) })
}
