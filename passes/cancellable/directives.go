package cancellable

import (
	"fmt"
	"go/ast"
	"go/token"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/tools/go/analysis"
)

// Directive comments. Like //go: directives, they have no space after the
// slashes.
const (
	dirPrefix      = "//cancelcheck:"
	dirCancellable = "cancellable"
	dirMarks       = "marks-cancellable"
	dirIgnore      = "ignore"
)

// directives holds the //cancelcheck: comments of a package.
type directives struct {
	any         bool // an entry-point directive: the package is analysed
	cancellable map[*ast.FuncDecl]bool
	marks       map[*ast.FuncDecl]bool
	ignores     map[string]map[int][]ignoreDirective // by file name, then line
	problems    []directiveProblem                   // malformed directives, in source order
}

// An ignoreDirective is //cancelcheck:ignore <rule> <reason>: it suppresses
// the rule's findings on its own line and on the line below.
type ignoreDirective struct {
	rule   string
	reason string
}

// A directiveProblem is a malformed directive: it does nothing, and rule
// reports it (see reporter), so that it is reported once by the suite.
type directiveProblem struct {
	pos     token.Pos
	rule    string
	message string
}

func parseDirectives(pass *analysis.Pass) *directives {
	d := &directives{
		cancellable: make(map[*ast.FuncDecl]bool),
		marks:       make(map[*ast.FuncDecl]bool),
		ignores:     make(map[string]map[int][]ignoreDirective),
	}
	for _, file := range pass.Files {
		placed := make(map[*ast.Comment]bool) // entry-point directives where they belong
		for _, decl := range file.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Doc == nil {
				continue
			}
			for _, c := range fd.Doc.List {
				switch name, _ := directive(c.Text); {
				case name == dirCancellable, entryPoints.marksEntryPoint(c.Text):
					d.cancellable[fd] = true
				case name == dirMarks:
					d.marks[fd] = true
				default:
					continue
				}
				d.any = true
				placed[c] = true
			}
		}
		for _, group := range file.Comments {
			for _, c := range group.List {
				if !strings.HasPrefix(c.Text, dirPrefix) {
					continue
				}
				switch name, args := directive(c.Text); name {
				case dirIgnore:
					d.addIgnore(pass.Fset, c.Slash, args)
				case dirCancellable, dirMarks:
					if !placed[c] {
						d.problem(c.Slash, SwallowedCancel, "%s%s marks nothing here: it belongs in the doc comment of a function or method declaration", dirPrefix, name)
					}
				default:
					msg := fmt.Sprintf("unknown directive %s%s", dirPrefix, name)
					if near := nearest(name, dirCancellable, dirMarks, dirIgnore); near != "" {
						msg += fmt.Sprintf("; did you mean %s%s?", dirPrefix, near)
					} else {
						msg += fmt.Sprintf(" (the directives are %s%s, %s%s and %s%s)", dirPrefix, dirCancellable, dirPrefix, dirMarks, dirPrefix, dirIgnore)
					}
					d.problem(c.Slash, SwallowedCancel, "%s", msg)
				}
			}
		}
	}
	return d
}

// addIgnore records an ignore directive, or the problem with it: no rule,
// a rule that does not exist, or no reason.
func (d *directives) addIgnore(fset *token.FileSet, pos token.Pos, args string) {
	rule, reason := cutSpace(args)
	switch {
	case rule == "":
		d.problem(pos, SwallowedCancel, "%s%s needs a rule and a reason: %s%s <rule> <why this is safe>, where the rules are %s",
			dirPrefix, dirIgnore, dirPrefix, dirIgnore, strings.Join(Rules, ", "))
		return
	case !slices.Contains(Rules, rule):
		msg := fmt.Sprintf("%s%s %s: no rule is named %s", dirPrefix, dirIgnore, rule, rule)
		reporter := SwallowedCancel
		if near := nearest(rule, Rules...); near != "" {
			msg += fmt.Sprintf("; did you mean %s?", near)
			reporter = near // the rule whose finding it was meant to suppress
		} else {
			msg += fmt.Sprintf(" (the rules are %s)", strings.Join(Rules, ", "))
		}
		d.problem(pos, reporter, "%s", msg)
		return
	case reason == "":
		d.problem(pos, rule, "%s%s %s needs a reason: %s%s %s <why this is safe>", dirPrefix, dirIgnore, rule, dirPrefix, dirIgnore, rule)
		return
	}
	posn := fset.Position(pos)
	lines := d.ignores[posn.Filename]
	if lines == nil {
		lines = make(map[int][]ignoreDirective)
		d.ignores[posn.Filename] = lines
	}
	lines[posn.Line] = append(lines[posn.Line], ignoreDirective{rule: rule, reason: reason})
}

func (d *directives) problem(pos token.Pos, rule, format string, args ...any) {
	d.problems = append(d.problems, directiveProblem{pos: pos, rule: rule, message: fmt.Sprintf(format, args...)})
}

// directive splits "//cancelcheck:name args" into name and args.
func directive(text string) (name, args string) {
	rest, ok := strings.CutPrefix(text, dirPrefix)
	if !ok {
		return "", ""
	}
	return cutSpace(rest)
}

// cutSpace splits s at its first run of white space.
func cutSpace(s string) (before, after string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// nearest returns the one name among names that s is likely a misspelling
// of (at most two edits away), or "".
func nearest(s string, names ...string) string {
	best, bestDist, ties := "", 3, 0
	for _, name := range names {
		switch dist := editDistance(s, name); {
		case dist < bestDist:
			best, bestDist, ties = name, dist, 0
		case dist == bestDist:
			ties++
		}
	}
	if ties > 0 {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ignored reports whether a finding of rule at pos is suppressed by an
// ignore directive with a reason, on the same line or the line above.
func (d *directives) ignored(fset *token.FileSet, rule string, pos token.Pos) bool {
	posn := fset.Position(pos)
	lines := d.ignores[posn.Filename]
	for _, line := range []int{posn.Line, posn.Line - 1} {
		for _, ig := range lines[line] {
			if ig.rule == rule {
				return true
			}
		}
	}
	return false
}
