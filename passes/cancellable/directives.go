package cancellable

import (
	"go/ast"
	"go/token"
	"strings"

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
	all         []ignoreDirective                    // in source order
}

// An ignoreDirective is //cancelcheck:ignore <rule> <reason>: it suppresses
// the rule's findings on its own line and on the line below.
type ignoreDirective struct {
	pos    token.Pos
	rule   string
	reason string
}

func parseDirectives(pass *analysis.Pass) *directives {
	d := &directives{
		cancellable: make(map[*ast.FuncDecl]bool),
		marks:       make(map[*ast.FuncDecl]bool),
		ignores:     make(map[string]map[int][]ignoreDirective),
	}
	for _, file := range pass.Files {
		for _, decl := range file.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Doc == nil {
				continue
			}
			for _, c := range fd.Doc.List {
				switch name, _ := directive(c.Text); name {
				case dirCancellable:
					d.cancellable[fd] = true
					d.any = true
				case dirMarks:
					d.marks[fd] = true
					d.any = true
				}
			}
		}
		for _, group := range file.Comments {
			for _, c := range group.List {
				name, args := directive(c.Text)
				if name != dirIgnore {
					continue
				}
				rule, reason, _ := strings.Cut(args, " ")
				ig := ignoreDirective{pos: c.Slash, rule: rule, reason: strings.TrimSpace(reason)}
				posn := pass.Fset.Position(c.Slash)
				lines := d.ignores[posn.Filename]
				if lines == nil {
					lines = make(map[int][]ignoreDirective)
					d.ignores[posn.Filename] = lines
				}
				lines[posn.Line] = append(lines[posn.Line], ig)
				d.all = append(d.all, ig)
			}
		}
	}
	return d
}

// directive splits "//cancelcheck:name args" into name and args.
func directive(text string) (name, args string) {
	rest, ok := strings.CutPrefix(text, dirPrefix)
	if !ok {
		return "", ""
	}
	name, args, _ = strings.Cut(rest, " ")
	return name, strings.TrimSpace(args)
}

// ignored reports whether a finding of rule at pos is suppressed by an
// ignore directive with a reason, on the same line or the line above.
func (d *directives) ignored(fset *token.FileSet, rule string, pos token.Pos) bool {
	posn := fset.Position(pos)
	lines := d.ignores[posn.Filename]
	for _, line := range []int{posn.Line, posn.Line - 1} {
		for _, ig := range lines[line] {
			if ig.rule == rule && ig.reason != "" {
				return true
			}
		}
	}
	return false
}
