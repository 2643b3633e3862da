package driver

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/types"
	"os"

	"golang.org/x/tools/go/packages"
)

// graphMode is what the driver asks go/packages for: the packages and
// their dependencies with their files and imports, nothing parsed. The
// driver parses and type-checks each package itself, in dependency
// order, so that it can drop a package's syntax once it is analysed
// (go/packages' LoadAllSyntax holds every package's syntax and type
// information until the end).
const graphMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedDeps | packages.NeedModule | packages.NeedTypesSizes

// parseMode is go/packages' (which resolves objects, too: the suite does
// not use ast.Object, so that is left out).
const parseMode = parser.AllErrors | parser.ParseComments | parser.SkipObjectResolution

// check parses and type-checks the package of u against the types of
// its imports, as go/packages does for LoadAllSyntax: the same files,
// type-checker configuration and errors, which it appends to the
// package's Errors (for printErrors).
func (r *runner) check(u *unit) (files []*ast.File, info *types.Info) {
	p := u.pkg
	info = &types.Info{
		Types:        make(map[ast.Expr]types.TypeAndValue),
		Defs:         make(map[*ast.Ident]types.Object),
		Uses:         make(map[*ast.Ident]types.Object),
		Implicits:    make(map[ast.Node]types.Object),
		Instances:    make(map[*ast.Ident]types.Instance),
		Scopes:       make(map[ast.Node]*types.Scope),
		Selections:   make(map[*ast.SelectorExpr]*types.Selection),
		FileVersions: make(map[*ast.File]string),
	}
	if p.PkgPath == "unsafe" {
		u.types = types.Unsafe
		return nil, info
	}
	u.types = types.NewPackage(p.PkgPath, p.Name)

	for _, name := range p.CompiledGoFiles {
		src, err := os.ReadFile(name)
		if err != nil {
			u.addError(err)
			continue
		}
		f, err := parser.ParseFile(r.fset, name, src, parseMode)
		if f != nil {
			files = append(files, f)
		}
		if err != nil {
			u.addError(err)
		}
	}

	tc := &types.Config{
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if path == "unsafe" {
				return types.Unsafe, nil
			}
			if imp := u.imports[path]; imp != nil {
				return imp.types, nil
			}
			return nil, fmt.Errorf("no metadata for %s", path)
		}),
		Error: u.addError,
		Sizes: p.TypesSizes,
	}
	if p.Module != nil && p.Module.GoVersion != "" {
		tc.GoVersion = "go" + p.Module.GoVersion
	}
	err := types.NewChecker(tc, r.fset, u.types, info).Files(files)
	if err != nil && len(p.Errors) == 0 {
		u.addError(err)
	}
	return files, info
}

// addError records an error of the package's parsing or type-checking
// as go/packages does.
func (u *unit) addError(err error) {
	var (
		list  scanner.ErrorList
		path  *os.PathError
		typed types.Error
	)
	switch {
	case errors.As(err, &typed):
		u.typeErrors = append(u.typeErrors, typed)
		u.pkg.Errors = append(u.pkg.Errors, packages.Error{Pos: typed.Fset.Position(typed.Pos).String(), Msg: typed.Msg, Kind: packages.TypeError})
	case errors.As(err, &list):
		for _, e := range list {
			u.pkg.Errors = append(u.pkg.Errors, packages.Error{Pos: e.Pos.String(), Msg: e.Msg, Kind: packages.ParseError})
		}
	case errors.As(err, &path):
		u.pkg.Errors = append(u.pkg.Errors, packages.Error{Pos: path.Path + ":1", Msg: path.Err.Error(), Kind: packages.ParseError})
	default:
		u.pkg.Errors = append(u.pkg.Errors, packages.Error{Pos: "-", Msg: err.Error(), Kind: packages.UnknownError})
	}
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
