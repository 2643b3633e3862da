// Package synth generates synthetic Go modules of realistic code built on
// the deferred runtime, at a requested size, to measure what the
// cancelcheck analyzers cost against plain go vet (docs/performance.md,
// "Analyzer") and to check that they stay silent on correct code and find
// the hazards planted in it.
//
// A module is a set of domains (billing, catalog, ...). Each domain has
// four packages in layers: model (records and plain logic, no runtime),
// store (an in-memory database answering with Deferreds, with caches of
// reads in flight, shielded and not), service (async functions: call
// chains into the store and into the services of other domains, Gather,
// Then, Chain, errbacks, locks, retries, RunInBackground and
// RunAsBackgroundProcess, logging, %w wrapping) and api (HTTP handlers
// registered with deferredhttp.Cancellable or deferredhttp.Handle, and
// //cancelcheck:cancellable RPC methods). Plain utility packages that never
// import the runtime sit beside them, and a main package wires everything.
// Services call the services of earlier domains, up to four tiers deep, so
// call chains cross up to five packages below an entry point.
//
// The code is correct under cancellation, except for the hazards planted
// on purpose (Config.HazardEvery): each is marked with a comment
// "// synth:hazard <rule>" on the line where cancelcheck reports it, and
// listed in the Manifest.
//
// Generation is deterministic: the same Config gives the same bytes.
package synth

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
)

// Config says what to generate.
type Config struct {
	// Lines is the size to reach, in lines of Go source (comments and
	// blank lines included, as wc -l counts them). Generation stops at the
	// first domain that reaches it, so the module is somewhat larger.
	Lines int
	// Seed chooses names, fields, dependencies and variants.
	Seed uint64
	// Module is the module path; "example.com/synth" if empty.
	Module string
	// Runtime is the directory of the cancelcheck module, the target of
	// the go.mod replace directive. It is written as given; a relative
	// path is relative to the generated module's directory.
	Runtime string
	// HazardEvery plants one cancellation hazard in every HazardEvery-th
	// domain (the first domain included), rotating through the four
	// rules; 0 plants none.
	HazardEvery int
}

// A Module is a generated module.
type Module struct {
	// Files maps slash-separated paths, relative to the module root, to
	// their contents. The manifest is not among them.
	Files    map[string][]byte
	Manifest Manifest
}

// A Manifest describes a generated module.
type Manifest struct {
	Seed        uint64   `json:"seed"`
	Target      int      `json:"target_lines"`
	Lines       int      `json:"lines"`     // of Go source, all files
	Packages    int      `json:"packages"`  // Go packages
	Plain       int      `json:"plain"`     // packages that import the runtime neither directly nor transitively
	Domains     int      `json:"domains"`   // layered domains
	Entities    int      `json:"entities"`  // records, summed over domains
	MaxDepth    int      `json:"max_depth"` // deepest chain of service packages calling each other
	EntryPoints int      `json:"entry_points"`
	Hazards     []Hazard `json:"hazards"`
}

// A Hazard is a planted cancellation problem: the rule that reports it and
// where (the line of its marker comment).
type Hazard struct {
	Rule string `json:"rule"`
	File string `json:"file"` // slash path relative to the module root
	Line int    `json:"line"`
}

// Rules are the rules hazards are planted for, in rotation.
var Rules = []string{"swallowedcancel", "firsterror", "shareddeferred", "logcontextleak"}

const hazardMarker = "// synth:hazard "

// Generate generates a module.
func Generate(cfg Config) (*Module, error) {
	if cfg.Lines <= 0 {
		return nil, fmt.Errorf("synth: Lines must be positive, not %d", cfg.Lines)
	}
	if cfg.HazardEvery < 0 {
		return nil, fmt.Errorf("synth: HazardEvery must not be negative, not %d", cfg.HazardEvery)
	}
	if cfg.Runtime == "" {
		return nil, errors.New("synth: Runtime (the directory of the cancelcheck module) is required")
	}
	if cfg.Module == "" {
		cfg.Module = "example.com/synth"
	}
	g := &generator{
		cfg:   cfg,
		rng:   rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		files: make(map[string][]byte),
		pkgs:  make(map[string]bool),
	}
	if err := g.generate(); err != nil {
		return nil, err
	}
	return &Module{Files: g.files, Manifest: g.manifest}, nil
}

// Write writes m's files and its manifest, synth.json, under dir, which
// must not exist or be empty.
func (m *Module) Write(dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("synth: %s is not empty", dir)
	}
	for _, name := range m.Paths() {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, m.Files[name], 0o644); err != nil {
			return err
		}
	}
	js, err := m.Manifest.JSON()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "synth.json"), js, 0o644)
}

// Paths returns the paths of m's files, sorted.
func (m *Module) Paths() []string {
	names := make([]string, 0, len(m.Files))
	for name := range m.Files {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// generator is one run of Generate.
type generator struct {
	cfg      Config
	rng      *rand.Rand
	files    map[string][]byte
	pkgs     map[string]bool // import paths of the generated packages
	domains  []*domain
	utils    []*util
	manifest Manifest
}

func (g *generator) generate() error {
	g.manifest = Manifest{Seed: g.cfg.Seed, Target: g.cfg.Lines}
	if err := g.emit("go.mod", g.goMod(), false); err != nil {
		return err
	}
	for g.manifest.Lines < g.cfg.Lines {
		// A utility package for every three domains, from the start, so
		// that models have some to use.
		if len(g.domains)%3 == 0 {
			files, err := g.newUtil().files()
			if err != nil {
				return err
			}
			if err := g.emitAll(files); err != nil {
				return err
			}
		}
		d := g.newDomain()
		files, err := d.files()
		if err != nil {
			return err
		}
		if err := g.emitAll(files); err != nil {
			return err
		}
	}
	main, err := g.mainFile()
	if err != nil {
		return err
	}
	if err := g.emit("cmd/server/main.go", main, true); err != nil {
		return err
	}
	m := &g.manifest
	m.Packages = len(g.pkgs)
	m.Plain = len(g.utils)
	m.Domains = len(g.domains)
	for _, d := range g.domains {
		m.Plain++ // its model
		m.Entities += len(d.Entities)
		m.MaxDepth = max(m.MaxDepth, d.Tier)
		m.EntryPoints += d.entryPoints()
	}
	slices.SortFunc(m.Hazards, func(a, b Hazard) int {
		return strings.Compare(fmt.Sprintf("%s:%09d", a.File, a.Line), fmt.Sprintf("%s:%09d", b.File, b.Line))
	})
	return nil
}

// emitAll emits Go files, in path order.
func (g *generator) emitAll(files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := g.emit(name, files[name], true); err != nil {
			return err
		}
	}
	return nil
}

// emit adds a file. A Go file is tidied, its lines counted and its hazard
// markers recorded.
func (g *generator) emit(name string, src []byte, isGo bool) error {
	if _, dup := g.files[name]; dup {
		return fmt.Errorf("synth: internal error: %s generated twice", name)
	}
	if !isGo {
		g.files[name] = src
		return nil
	}
	out, err := tidy(name, src)
	if err != nil {
		return fmt.Errorf("synth: internal error: generated %s: %v\n%s", name, err, numbered(src))
	}
	g.files[name] = out
	g.pkgs[path.Dir(name)] = true
	g.manifest.Lines += bytes.Count(out, []byte("\n"))
	for i, line := range strings.Split(string(out), "\n") {
		if _, rule, ok := strings.Cut(line, hazardMarker); ok {
			g.manifest.Hazards = append(g.manifest.Hazards, Hazard{Rule: strings.TrimSpace(rule), File: name, Line: i + 1})
		}
	}
	return nil
}

func (g *generator) goMod() []byte {
	return fmt.Appendf(nil, `module %s

go 1.26.0

require github.com/cancelcheck/cancelcheck v0.0.0

replace github.com/cancelcheck/cancelcheck => %s
`, g.cfg.Module, g.cfg.Runtime)
}

// tidy drops the imports that src does not use, so that templates can list
// every import their variants need, and formats it.
func tidy(name string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	used := make(map[string]bool)
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	for _, imp := range slices.Clone(f.Imports) { // deleting changes f.Imports
		p := strings.Trim(imp.Path.Value, `"`)
		name := path.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if !used[name] {
			astutil.DeleteNamedImport(fset, f, nameOrEmpty(imp), p)
		}
	}
	var b bytes.Buffer
	if err := format.Node(&b, fset, f); err != nil {
		return nil, err
	}
	// Formatting the printed file again settles the blank lines that
	// deleted imports leave.
	return format.Source(b.Bytes())
}

func nameOrEmpty(imp *ast.ImportSpec) string {
	if imp.Name == nil {
		return ""
	}
	return imp.Name.Name
}

// numbered returns src with line numbers, for internal errors.
func numbered(src []byte) string {
	var b strings.Builder
	for i, line := range strings.Split(string(src), "\n") {
		fmt.Fprintf(&b, "%5d  %s\n", i+1, line)
	}
	return b.String()
}
