package driver

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"log"
	"maps"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/packages"
)

// requiredBy returns the analyzers and everything they require, each
// after what it requires: the order in which they run on a package.
func requiredBy(as []*analysis.Analyzer) []*analysis.Analyzer {
	var order []*analysis.Analyzer
	seen := make(map[*analysis.Analyzer]bool)
	var visit func(a *analysis.Analyzer)
	visit = func(a *analysis.Analyzer) {
		if seen[a] {
			return
		}
		seen[a] = true
		for _, req := range a.Requires {
			visit(req)
		}
		order = append(order, a)
	}
	for _, a := range as {
		visit(a)
	}
	return order
}

// withFacts returns the analyzers that must run on a dependency of the
// packages that as run on: those with facts, and what they require (as
// checker.Analyze and go vet run them).
func withFacts(as []*analysis.Analyzer) []*analysis.Analyzer {
	var facts []*analysis.Analyzer
	for _, a := range as {
		if len(a.FactTypes) > 0 {
			facts = append(facts, a)
		}
	}
	return requiredBy(facts)
}

type objectFactKey struct {
	obj types.Object
	typ reflect.Type
}

type packageFactKey struct {
	pkg *types.Package
	typ reflect.Type
}

// analyse runs the analyzers on the package of u, checked into files
// and info: those asked for on a root, on a dependency only those whose
// facts its importers need. It keeps the facts the analyzers export (on
// u, for the packages that import it) and, on a root, the findings with
// their baseline keys and the analyzers' errors; nothing else of the
// passes outlives it.
func (r *runner) analyse(u *unit, files []*ast.File, info *types.Info) {
	as := r.depAnalyzers
	if u.root {
		as = r.rootAnalyzers
	}
	results := make(map[*analysis.Analyzer]any)
	errs := make(map[*analysis.Analyzer]error)
	imports := slices.Sorted(maps.Keys(u.imports))
	module := &analysis.Module{}
	if u.pkg.Module != nil {
		module = analysisModule(u.pkg.Module)
	}
	for _, a := range as {
		// What checker.Analyze says when a prerequisite failed: the
		// analyzers a requires on this package, and a itself on the
		// imports if it has facts.
		var failed []string
		for _, req := range a.Requires {
			if errs[req] != nil {
				failed = append(failed, req.Name+"@"+u.pkg.ID)
			}
		}
		if len(a.FactTypes) > 0 {
			for _, path := range imports {
				if imp := u.imports[path]; imp.failed[a] {
					failed = append(failed, a.Name+"@"+imp.pkg.ID)
				}
			}
		}
		var err error
		var diags []analysis.Diagnostic
		switch {
		case len(failed) > 0:
			slices.Sort(failed)
			err = fmt.Errorf("failed prerequisites: %s", strings.Join(failed, ", "))
		case u.broken && !a.RunDespiteErrors:
			err = fmt.Errorf("analysis skipped due to errors in package")
		default:
			inputs := make(map[*analysis.Analyzer]any)
			for _, req := range a.Requires {
				inputs[req] = results[req]
			}
			pass := &analysis.Pass{
				Analyzer:     a,
				Fset:         r.fset,
				Files:        files,
				OtherFiles:   u.pkg.OtherFiles,
				IgnoredFiles: u.pkg.IgnoredFiles,
				Pkg:          u.types,
				TypesInfo:    info,
				TypesSizes:   u.pkg.TypesSizes,
				TypeErrors:   u.typeErrors,
				Module:       module,
				ResultOf:     inputs,
				Report: func(d analysis.Diagnostic) {
					if err := validateFixes(r.fset, d.SuggestedFixes); err != nil {
						panic(fmt.Sprintf("analyzer %q suggests an invalid fix: %v", a.Name, err))
					}
					diags = append(diags, d)
				},
				ReadFile: r.readFile(u.pkg, files),

				ImportObjectFact:  func(obj types.Object, fact analysis.Fact) bool { return r.objectFact(u, obj, fact) },
				ImportPackageFact: func(pkg *types.Package, fact analysis.Fact) bool { return r.packageFact(u, pkg, fact) },
				ExportObjectFact: func(obj types.Object, fact analysis.Fact) {
					if obj.Pkg() != u.types {
						log.Panicf("internal error: in analysis %s of package %s: Fact.Set(%s, %T): can't set facts on objects belonging another package", a, u.pkg.ID, obj, fact)
					}
					u.objectFacts[objectFactKey{obj, reflect.TypeOf(fact)}] = fact
				},
				ExportPackageFact: func(fact analysis.Fact) {
					u.packageFacts[packageFactKey{u.types, reflect.TypeOf(fact)}] = fact
				},
				AllObjectFacts:  func() []analysis.ObjectFact { return r.allObjectFacts(u, a) },
				AllPackageFacts: func() []analysis.PackageFact { return r.allPackageFacts(u, a) },
			}
			var result any
			result, err = a.Run(pass)
			if err == nil && reflect.TypeOf(result) != a.ResultType {
				err = fmt.Errorf("internal error: on package %s, analyzer %s returned a result of type %v, but declared ResultType %v",
					u.types.Path(), a, reflect.TypeOf(result), a.ResultType)
			}
			for i := range diags {
				if err == nil {
					diags[i].URL, err = resolveURL(a, diags[i])
				}
			}
			if err == nil {
				results[a] = result
			}
		}
		if err != nil {
			errs[a] = err
			diags = nil
			if len(a.FactTypes) > 0 {
				u.failed[a] = true
			}
		}
		if u.root && slices.Contains(r.analyzers, a) {
			u.errs[a] = err
			for _, d := range diags {
				u.findings = append(u.findings, r.newFinding(a, u, files, d))
			}
		}
	}
}

// objectFact implements Pass.ImportObjectFact for a pass over u: the
// facts of u's own objects, and those of its dependencies' (which
// publish kept only for the objects an importer may see, as
// checker.Analyze filters them).
func (r *runner) objectFact(u *unit, obj types.Object, ptr analysis.Fact) bool {
	if obj == nil {
		panic("nil object")
	}
	owner := u
	if obj.Pkg() != u.types {
		if owner = r.unitOf(obj.Pkg()); owner == nil {
			return false
		}
	}
	if v, ok := owner.objectFacts[objectFactKey{obj, reflect.TypeOf(ptr)}]; ok {
		reflect.ValueOf(ptr).Elem().Set(reflect.ValueOf(v).Elem())
		return true
	}
	return false
}

// packageFact implements Pass.ImportPackageFact for a pass over u.
func (r *runner) packageFact(u *unit, pkg *types.Package, ptr analysis.Fact) bool {
	if pkg == nil {
		panic("nil package")
	}
	owner := u
	if pkg != u.types {
		owner = r.unitOf(pkg)
		if owner == nil {
			return false
		}
	}
	if v, ok := owner.packageFacts[packageFactKey{pkg, reflect.TypeOf(ptr)}]; ok {
		reflect.ValueOf(ptr).Elem().Set(reflect.ValueOf(v).Elem())
		return true
	}
	return false
}

// deps returns u and the packages it depends on, directly or not.
func deps(u *unit) []*unit {
	var out []*unit
	seen := make(map[*unit]bool)
	var visit func(u *unit)
	visit = func(u *unit) {
		if seen[u] {
			return
		}
		seen[u] = true
		out = append(out, u)
		for _, imp := range u.imports {
			visit(imp)
		}
	}
	visit(u)
	return out
}

func (r *runner) allObjectFacts(u *unit, a *analysis.Analyzer) []analysis.ObjectFact {
	var out []analysis.ObjectFact
	for _, d := range deps(u) {
		for k, fact := range d.objectFacts {
			if isFactOf(a, fact) {
				out = append(out, analysis.ObjectFact{Object: k.obj, Fact: fact})
			}
		}
	}
	return out
}

func (r *runner) allPackageFacts(u *unit, a *analysis.Analyzer) []analysis.PackageFact {
	var out []analysis.PackageFact
	for _, d := range deps(u) {
		for k, fact := range d.packageFacts {
			if isFactOf(a, fact) {
				out = append(out, analysis.PackageFact{Package: k.pkg, Fact: fact})
			}
		}
	}
	return out
}

func isFactOf(a *analysis.Analyzer, fact analysis.Fact) bool {
	for _, f := range a.FactTypes {
		if reflect.TypeOf(f) == reflect.TypeOf(fact) {
			return true
		}
	}
	return false
}

// exportedFrom reports whether obj may be visible to a package that
// imports pkg: checker.Analyze's filter of the facts a package passes on.
func exportedFrom(obj types.Object, pkg *types.Package) bool {
	switch obj := obj.(type) {
	case *types.Func:
		return obj.Exported() && obj.Pkg() == pkg || obj.Signature().Recv() != nil
	case *types.Var:
		return obj.IsField() || obj.Pkg() == pkg
	case *types.TypeName, *types.Const:
		return true
	}
	return false
}

// readFile implements Pass.ReadFile: the package's own files only, as
// the x/tools drivers allow.
func (r *runner) readFile(p *packages.Package, files []*ast.File) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		ok := slices.Contains(p.OtherFiles, name) || slices.Contains(p.IgnoredFiles, name) ||
			slices.ContainsFunc(files, func(f *ast.File) bool { return r.fset.File(f.FileStart).Name() == name })
		if !ok {
			return nil, fmt.Errorf("Pass.ReadFile: %s is not among OtherFiles, IgnoredFiles, or names of Files", name)
		}
		return os.ReadFile(name)
	}
}

// validateFixes checks fixes as the x/tools drivers do, and puts them in
// their form: each fix's edits sorted by position (insertions at one
// point in the order given), an End for every edit; an error is a bug
// in the analyzer.
func validateFixes(fset *token.FileSet, fixes []analysis.SuggestedFix) error {
	messages := make(map[string]bool)
	for i := range fixes {
		fix := &fixes[i]
		if messages[fix.Message] {
			return fmt.Errorf("two fixes with the message %q", fix.Message)
		}
		messages[fix.Message] = true
		slices.SortStableFunc(fix.TextEdits, func(x, y analysis.TextEdit) int {
			return cmp.Or(cmp.Compare(x.Pos, y.Pos), cmp.Compare(x.End, y.End))
		})
		var prev *analysis.TextEdit
		for j := range fix.TextEdits {
			edit := &fix.TextEdits[j]
			file := fset.File(edit.Pos)
			if file == nil {
				return fmt.Errorf("%s: no file for an edit's position", fix.Message)
			}
			eof := token.Pos(file.Base() + file.Size())
			switch {
			case !edit.End.IsValid():
				edit.End = edit.Pos
			case edit.End < edit.Pos:
				return fmt.Errorf("%s: an edit ends before it starts", fix.Message)
			case fset.File(edit.End) != file && edit.End < eof+10:
				edit.End = eof // an End computed just past the end of the file (go.dev/issue/71659)
				continue
			case fset.File(edit.End) != file:
				return fmt.Errorf("%s: an edit spans files", fix.Message)
			}
			if edit.End > eof {
				return fmt.Errorf("%s: an edit ends beyond the end of its file", fix.Message)
			}
			if prev != nil && edit.Pos < prev.End {
				return fmt.Errorf("%s: overlapping edits in %s", fix.Message, file.Name())
			}
			prev = edit
		}
	}
	return nil
}

// resolveURL is the x/tools drivers' Diagnostic.URL: the diagnostic's
// own, or its category as a fragment, resolved against the analyzer's.
func resolveURL(a *analysis.Analyzer, d analysis.Diagnostic) (string, error) {
	if d.URL == "" && d.Category == "" && a.URL == "" {
		return "", nil
	}
	raw := d.URL
	if d.URL == "" && d.Category != "" {
		raw = "#" + d.Category
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("invalid Diagnostic.URL %q: %s", raw, err)
	}
	base, err := url.Parse(a.URL)
	if err != nil {
		return "", fmt.Errorf("invalid Analyzer.URL %q: %s", a.URL, err)
	}
	return base.ResolveReference(u).String(), nil
}

func analysisModule(m *packages.Module) *analysis.Module {
	if m == nil {
		return nil
	}
	var modErr *analysis.ModuleError
	if m.Error != nil {
		modErr = &analysis.ModuleError{Err: m.Error.Err}
	}
	return &analysis.Module{
		Path:      m.Path,
		Version:   m.Version,
		Replace:   analysisModule(m.Replace),
		Time:      m.Time,
		Main:      m.Main,
		Indirect:  m.Indirect,
		Dir:       m.Dir,
		GoMod:     m.GoMod,
		GoVersion: m.GoVersion,
		Error:     modErr,
	}
}
