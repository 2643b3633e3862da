package driver

import (
	"bytes"
	"go/token"
	"go/types"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/types/objectpath"
)

// A unit is one package of the run on its way through it: parsed and
// type-checked once its imports are done, analysed, and then reduced to
// what the packages that import it need: its types (to type-check them
// against) and the facts its analysis exported. Its syntax, type
// information and the analyzers' results and SSA are dropped as soon as
// its analysis ends, so that the run holds the syntax of only the
// packages being analysed at the moment, as go vet does with one process
// per package.
type unit struct {
	pkg       *packages.Package // from go/packages, without syntax or types; Errors gains the parse and type errors
	root      bool              // matched by the patterns: the rules run and report here
	imports   map[string]*unit  // by import path, as in pkg.Imports
	importers []*unit
	pending   int   // imports not yet done (the scheduler's)
	users     int   // packages that depend on this one, directly or not, not yet done (the scheduler's)
	size      int64 // bytes of Go source, for the memory budget

	// Set by check, read by the packages that import this one.
	types      *types.Package
	typeErrors []types.Error
	broken     bool // errors of its own or in a dependency: not analysed

	// Set by analyse.
	objectFacts  map[objectFactKey]analysis.Fact
	packageFacts map[packageFactKey]analysis.Fact
	failed       map[*analysis.Analyzer]bool // analyzers with facts that failed here
	errs         map[*analysis.Analyzer]error
	findings     []finding
}

// A runner analyses a graph of packages, each package after those it
// imports, up to one package per CPU at a time.
type runner struct {
	fset          *token.FileSet
	analyzers     []*analysis.Analyzer // the rules asked for
	rootAnalyzers []*analysis.Analyzer // and what they require, in order
	depAnalyzers  []*analysis.Analyzer // what runs on a dependency for its facts
	workers       int
	progress      *progress

	mu      sync.RWMutex
	byTypes map[*types.Package]*unit
}

func newRunner(analyzers []*analysis.Analyzer, workers int, progress *progress) *runner {
	root := requiredBy(analyzers)
	return &runner{
		fset:          token.NewFileSet(),
		analyzers:     analyzers,
		rootAnalyzers: root,
		depAnalyzers:  withFacts(root),
		workers:       workers,
		progress:      progress,
		byTypes:       make(map[*types.Package]*unit),
	}
}

// units returns the units of the packages and their dependencies, each
// after its imports.
func units(roots []*packages.Package) (all, rootUnits []*unit) {
	byPkg := make(map[*packages.Package]*unit)
	packages.Visit(roots, nil, func(p *packages.Package) {
		u := &unit{
			pkg:          p,
			imports:      make(map[string]*unit),
			objectFacts:  make(map[objectFactKey]analysis.Fact),
			packageFacts: make(map[packageFactKey]analysis.Fact),
			failed:       make(map[*analysis.Analyzer]bool),
			errs:         make(map[*analysis.Analyzer]error),
		}
		for path, imp := range p.Imports {
			u.imports[path] = byPkg[imp]
		}
		for _, name := range p.CompiledGoFiles {
			if fi, err := os.Stat(name); err == nil {
				u.size += fi.Size()
			}
		}
		byPkg[p] = u
		all = append(all, u)
	})
	for _, p := range roots {
		byPkg[p].root = true
		rootUnits = append(rootUnits, byPkg[p])
	}
	for _, u := range all {
		seen := make(map[*unit]bool)
		for _, imp := range u.imports {
			if !seen[imp] {
				seen[imp] = true
				imp.importers = append(imp.importers, u)
				u.pending++
			}
		}
		for _, d := range deps(u)[1:] {
			d.users++
		}
	}
	return all, rootUnits
}

// unitOf returns the unit whose types are pkg, once it is type-checked.
func (r *runner) unitOf(pkg *types.Package) *unit {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byTypes[pkg]
}

// process checks and analyses one package.
func (r *runner) process(u *unit) {
	r.progress.start(u.pkg.ID)
	start := time.Now()
	files, info := r.check(u)
	u.broken = len(u.pkg.Errors) > 0
	for _, imp := range u.imports {
		u.broken = u.broken || imp.broken
	}
	checked := time.Now()
	r.analyse(u, files, info)
	r.publish(u)
	r.progress.finish(u.pkg.ID, checked.Sub(start), time.Since(checked))
	if u.size >= minBudget/2 {
		// Collect the large package's syntax and SSA now. Left to the
		// collector's pacing, the next collection would come only when
		// the heap has grown to twice what it held with this package
		// in it: the run's peak.
		runtime.GC()
	}
}

// publish replaces the types of u, checked from source, with their
// export data's (what the compiler's export data would give go vet),
// and moves the facts that the analysis exported onto the objects of
// those: the packages that import u are checked against them and look
// their facts up there. A package's types from source hold every
// function's scopes and local variables, which together outgrow the
// rest of a large run; its export data holds only what an importer can
// see. A package with errors keeps its types from source (its importers
// are not analysed, only type-checked for their errors, as go/packages
// does).
func (r *runner) publish(u *unit) {
	if !u.broken && u.types != types.Unsafe {
		if pkg, err := r.reimport(u); err == nil {
			objects := make(map[objectFactKey]analysis.Fact)
			var enc objectpath.Encoder
			for k, fact := range u.objectFacts {
				if !exportedFrom(k.obj, u.types) {
					continue
				}
				if path, err := enc.For(k.obj); err == nil {
					if obj, err := objectpath.Object(pkg, path); err == nil {
						objects[objectFactKey{obj, k.typ}] = fact
					}
				}
			}
			packages := make(map[packageFactKey]analysis.Fact)
			for k, fact := range u.packageFacts {
				packages[packageFactKey{pkg, k.typ}] = fact
			}
			u.types, u.objectFacts, u.packageFacts = pkg, objects, packages
		}
	}
	r.mu.Lock()
	r.byTypes[u.types] = u
	r.mu.Unlock()
}

// release drops the types and facts of a unit that no package still to
// be analysed depends on.
func (r *runner) release(u *unit) {
	r.mu.Lock()
	delete(r.byTypes, u.types)
	r.mu.Unlock()
	u.types, u.typeErrors, u.objectFacts, u.packageFacts = nil, nil, nil, nil
}

// reimport writes the export data of u's types and reads it back, in
// the realm of its dependencies' types.
func (r *runner) reimport(u *unit) (*types.Package, error) {
	var buf bytes.Buffer
	if err := gcexportdata.Write(&buf, r.fset, u.types); err != nil {
		return nil, err
	}
	imports := make(map[string]*types.Package)
	for _, d := range deps(u)[1:] {
		imports[d.types.Path()] = d.types
	}
	return gcexportdata.Read(&buf, r.fset, imports, u.types.Path())
}

// minBudget is the least source in flight that schedule allows: enough
// for the packages of most modules and of the standard library to be
// analysed side by side.
const minBudget = 4 << 20

// schedule calls process on every unit, each after its imports, on up
// to r.workers goroutines, in the order they become ready. The next
// package starts only while the source being analysed, its own
// included, stays within a budget: the largest package's, or minBudget
// if that is more. A package as large as the largest thus runs alone,
// and the memory in flight stays near what the largest package needs on
// its own (which is what the largest go vet process needs). Once every
// package that depends on a package is done, its types and facts are
// dropped too.
func (r *runner) schedule(all []*unit, process func(*unit)) {
	budget := int64(minBudget)
	for _, u := range all {
		budget = max(budget, u.size)
	}
	var (
		mu       sync.Mutex
		cond     = sync.NewCond(&mu)
		ready    []*unit
		left     = len(all) // not yet started
		inflight int64
		wg       sync.WaitGroup
	)
	for _, u := range all {
		if u.pending == 0 {
			ready = append(ready, u)
		}
	}
	// startable reports whether the first ready unit may start now.
	startable := func() bool {
		return len(ready) > 0 && (inflight == 0 || inflight+ready[0].size <= budget)
	}
	for range r.workers {
		wg.Go(func() {
			mu.Lock()
			defer mu.Unlock()
			for {
				for left > 0 && !startable() {
					cond.Wait()
				}
				if left == 0 {
					return
				}
				u := ready[0]
				ready = ready[1:]
				left--
				inflight += u.size
				mu.Unlock()
				process(u)
				mu.Lock()
				inflight -= u.size
				for _, imp := range u.importers {
					if imp.pending--; imp.pending == 0 {
						ready = append(ready, imp)
					}
				}
				for _, d := range deps(u) {
					if d != u {
						d.users--
					}
					if d.users == 0 {
						r.release(d)
					}
				}
				cond.Broadcast()
			}
		})
	}
	wg.Wait()
}
