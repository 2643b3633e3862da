package cancellable

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// reraiseFix inserts, at the top of body,
//
//	if errors.Is(err, deferred.ErrCancelled) {
//		return <zero values>, err
//	}
//
// adding the imports it needs. It gives up (nil) when the edit would not
// be safe: no single error result, a zero value it cannot spell, a name
// shadowed at that point.
func (f *Func) reraiseFix(fn *ssa.Function, body *ast.BlockStmt, errName string) *analysis.SuggestedFix {
	file := f.s.fileOf(body.Pos())
	tf := f.s.pass.Fset.File(body.Pos())
	if file == nil || tf == nil {
		return nil
	}
	// Insert on a line of its own after the brace (and any comment on
	// the brace's line); give up on a block written on one line.
	line := tf.Line(body.Lbrace)
	if line >= tf.LineCount() || tf.Line(body.Rbrace) == line ||
		len(body.List) > 0 && tf.Line(body.List[0].Pos()) == line {
		return nil
	}
	at := tf.LineStart(line + 1)
	names, importEdits, ok := f.s.importNames(file, at, "errors", cancelmodel.DeferredPath)
	if !ok {
		return nil
	}
	results := fn.Signature.Results()
	var values []string
	errs := 0
	for i := 0; i < results.Len(); i++ {
		typ := results.At(i).Type()
		if cancelmodel.IsError(typ) {
			values = append(values, errName)
			errs++
			continue
		}
		zero, ok := f.s.zeroValue(file, typ)
		if !ok {
			return nil
		}
		values = append(values, zero)
	}
	if errs != 1 {
		return nil
	}
	indent := f.s.indentOf(body) + "\t"
	text := fmt.Sprintf("%sif %s.Is(%s, %s.ErrCancelled) {\n%s\treturn %s\n%s}\n",
		indent, names[0], errName, names[1], indent, strings.Join(values, ", "), indent)
	edits := append(importEdits, analysis.TextEdit{Pos: at, End: at, NewText: []byte(text)})
	return &analysis.SuggestedFix{
		Message:   "Re-raise cancellations before handling the error",
		TextEdits: edits,
	}
}

// indentOf returns the indentation of the line a block starts on.
func (s *state) indentOf(n ast.Node) string {
	tf := s.pass.Fset.File(n.Pos())
	if tf == nil {
		return ""
	}
	file := s.fileOf(n.Pos())
	src, err := s.pass.ReadFile(tf.Name())
	if err != nil || file == nil {
		return ""
	}
	start := tf.Offset(tf.LineStart(tf.Line(n.Pos())))
	end := start
	for end < len(src) && (src[end] == '\t' || src[end] == ' ') {
		end++
	}
	return string(src[start:end])
}

// importNames returns the names under which file refers to each package
// path at pos, and the edits that import the missing ones. It fails if a
// name is taken by something else at pos.
func (s *state) importNames(file *ast.File, pos token.Pos, paths ...string) ([]string, []analysis.TextEdit, bool) {
	scope := s.pass.TypesInfo.Scopes[file]
	if scope != nil {
		scope = scope.Innermost(pos)
	}
	var names []string
	var missing []string
	for _, path := range paths {
		name := ""
		for _, imp := range file.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == path {
				switch {
				case imp.Name == nil:
					name = s.importedName(imp, path)
				case imp.Name.Name != "_" && imp.Name.Name != ".":
					name = imp.Name.Name
				}
			}
		}
		if name == "" {
			name = path[strings.LastIndex(path, "/")+1:]
			missing = append(missing, path)
		}
		if scope != nil {
			if _, obj := scope.LookupParent(name, pos); obj != nil {
				pn, ok := obj.(*types.PkgName)
				if !ok || pn.Imported().Path() != path {
					return nil, nil, false
				}
			}
		}
		names = append(names, name)
	}
	if len(missing) == 0 {
		return names, nil, true
	}
	edit, ok := addImports(file, missing)
	if !ok {
		return nil, nil, false
	}
	return names, []analysis.TextEdit{edit}, true
}

// importedName is the name a file uses for an import without a name.
func (s *state) importedName(imp *ast.ImportSpec, path string) string {
	if pn, ok := s.pass.TypesInfo.Implicits[imp].(*types.PkgName); ok {
		return pn.Name()
	}
	return path[strings.LastIndex(path, "/")+1:]
}

// addImports returns the edit that adds imports of paths to file.
func addImports(file *ast.File, paths []string) (analysis.TextEdit, bool) {
	var lines []string
	for _, p := range paths {
		lines = append(lines, strconv.Quote(p))
	}
	for _, d := range file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		if gd.Lparen.IsValid() {
			at := gd.Lparen + 1
			return analysis.TextEdit{Pos: at, End: at, NewText: []byte("\n\t" + strings.Join(lines, "\n\t"))}, true
		}
		at := gd.Pos()
		return analysis.TextEdit{Pos: at, End: at, NewText: []byte("import " + strings.Join(lines, "\nimport ") + "\n")}, true
	}
	if file.Name == nil {
		return analysis.TextEdit{}, false
	}
	at := file.Name.End()
	return analysis.TextEdit{Pos: at, End: at, NewText: []byte("\n\nimport " + strings.Join(lines, "\nimport "))}, true
}

// zeroValue spells the zero value of t in file, if it can.
func (s *state) zeroValue(file *ast.File, t types.Type) (string, bool) {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			return "false", true
		case u.Info()&types.IsNumeric != 0:
			return "0", true
		case u.Info()&types.IsString != 0:
			return `""`, true
		case u.Kind() == types.UnsafePointer:
			return "nil", true
		}
		return "", false
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature:
		return "nil", true
	case *types.Interface:
		if _, ok := types.Unalias(t).(*types.TypeParam); ok {
			break
		}
		return "nil", true
	}
	name, ok := s.typeName(file, t)
	if !ok {
		return "", false
	}
	if _, ok := types.Unalias(t).(*types.TypeParam); ok {
		return "*new(" + name + ")", true
	}
	return name + "{}", true
}

// typeName spells t in file, if every package it names is imported there.
func (s *state) typeName(file *ast.File, t types.Type) (string, bool) {
	ok := true
	qual := func(p *types.Package) string {
		if p == s.pass.Pkg {
			return ""
		}
		for _, imp := range file.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == p.Path() {
				if imp.Name != nil {
					return imp.Name.Name
				}
				return p.Name()
			}
		}
		ok = false
		return p.Name()
	}
	name := types.TypeString(t, qual)
	return name, ok
}
