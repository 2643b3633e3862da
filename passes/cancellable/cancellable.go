package cancellable

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"strings"
	"sync"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

//go:embed doc.go
var doc string

// Analyzer is the fact pass that every cancelcheck rule requires. It
// reports nothing itself: it exports a Summary fact per function that
// matters, a PackageFact per package that uses the runtime, and returns a
// *Result that the rules report from.
var Analyzer = &analysis.Analyzer{
	Name:       "cancellable",
	Doc:        ExtractDoc(doc, "cancellable"),
	URL:        "https://github.com/cancelcheck/cancelcheck/blob/main/docs/analysis.md",
	Run:        run,
	FactTypes:  []analysis.Fact{(*Summary)(nil), (*PackageFact)(nil)},
	ResultType: reflect.TypeFor[*Result](),
}

// state is one run of the pass over one package.
type state struct {
	pass *analysis.Pass
	pkg  *ssa.Package
	// runtime and context say what the package is analysed for: the
	// runtime's rules, the context rules (see scope).
	runtime, context bool
	funcs            []*Func                  // source functions, in source order, literals after their parent
	byFunc           map[*ssa.Function]*Func  // the same, by SSA function
	byObj            map[*types.Func]*Func    // named functions and methods, by origin object
	dirs             *directives              // //cancelcheck: comments
	remote           map[*types.Func]*Summary // imported facts, memoised (nil: none)
	// ifaceCallees memoises invokeCallees and ifaceImpls implementations,
	// named its namedTypes, byMethod and embedding index them for
	// implementers, stores memoises fieldStores.
	ifaceCallees map[*types.Interface]map[string][]Callee
	ifaceImpls   map[*types.Interface][]types.Type
	named        []*types.Named
	hidden       []HiddenType              // of the analysed packages imported, collected by namedTypes
	unseen       []*HiddenType             // those of hidden that madeType does not find (see hiddenImplementations)
	byMethod     map[string][]*types.Named // by the name of a method they declare
	embedding    []*types.Named            // structs with an embedded field
	visible      map[string]*types.Package // the packages imported, directly or not, by path (see visiblePackage)
	stores       map[types.Object][]storedValue
	// helperReported records the helpers of other packages whose wrong
	// context test ctxerrcompare reported, once per package.
	helperReported map[string]bool
	// analysedPkgs memoises analysed: whether another package has a
	// PackageFact, so that its summaries say all there is.
	analysedPkgs map[*types.Package]bool
	result       *Result                   // what the rules report from
	inits        []*ssa.Function           // package initialisers, scanned for registrations
	files        map[*token.File]*ast.File // the package's files, by token file
	hook         func(*ssa.Function)       // testing: called before computing each function
	errs         []string                  // functions skipped after an internal error
	// callStarts memoises callStart.
	callStarts map[token.Pos]token.Pos
	// fsetFiles are the files of the pass's file set by name, for the
	// positions of other packages (see resolve); built once, when first
	// needed by one of the rules, which report concurrently.
	fsetFiles     map[string]*token.File
	fsetFilesOnce sync.Once
}

// testHook, when set, runs before each function is summarised. Tests use
// it to check that an internal error in one function is contained.
var testHook func(*ssa.Function)

// selfTest is the pass's -selftest flag, for testing cancelcheck itself on
// large code that does not use the runtime (the standard library, other
// projects): every package is summarised, also those that could only get
// empty summaries and are normally skipped, and an internal error, which
// normally skips the function it happens in, fails the package.
var selfTest bool

// inline is the pass's -inline flag: each finding carries why it is
// wrong and its call path in its message, instead of as related
// information below it, for drivers that show only the message (the
// golangci-lint plugin sets it).
var inline bool

// generated is the pass's -generated flag: also report findings in
// generated files (a "// Code generated … DO NOT EDIT." comment, as
// ast.IsGenerated reads it). They are analysed either way, for the
// summaries of the code that calls them; by default their findings are
// left out, as golangci-lint leaves them out, since their fix belongs in
// the generator and an ignore directive there is lost when it runs again.
var generated bool

func init() {
	Analyzer.Flags.BoolVar(&generated, "generated", false,
		"also report findings in generated files (// Code generated ... DO NOT EDIT.), which are analysed but not reported by default")
	Analyzer.Flags.BoolVar(&inline, "inline", false,
		"put why a finding is wrong and its call path in its message, for drivers that show no related information")
	Analyzer.Flags.BoolVar(&selfTest, "selftest", false,
		"test cancelcheck itself: summarise every package, also those that do not use the runtime, and fail on an internal error instead of skipping the function")
}

func run(pass *analysis.Pass) (result any, err error) {
	s := &state{
		pass:           pass,
		byFunc:         make(map[*ssa.Function]*Func),
		byObj:          make(map[*types.Func]*Func),
		remote:         make(map[*types.Func]*Summary),
		result:         &Result{pkg: pass.Pkg},
		helperReported: make(map[string]bool),
		hook:           testHook,
	}
	s.result.state = s
	s.dirs = parseDirectives(pass)
	defer func() {
		// An internal error outside any one function: skip the package
		// (its functions get no facts and no findings), never crash.
		if p := recover(); p != nil {
			s.errs = append(s.errs, fmt.Sprintf("%s: %v", pass.Pkg.Path(), p))
			s.funcs, s.result.entries = nil, nil
			result, err = s.result, nil
		}
		if selfTest && len(s.errs) > 0 {
			result, err = nil, fmt.Errorf("-selftest: internal errors: %s", strings.Join(s.errs, "; "))
		}
	}()
	s.runtime, s.context = s.scope()
	if !s.runtime && !s.context {
		return s.result, nil
	}
	if cancelmodel.IsRuntimePackage(pass.Pkg.Path()) {
		// The runtime is modelled by name (package cancelmodel), not summarised.
		pass.ExportPackageFact(&PackageFact{Runtime: s.runtime, Context: s.context})
		return s.result, nil
	}
	s.buildSSA()
	s.summarise()
	s.exportFacts()
	s.findEntries()
	pass.ExportPackageFact(&PackageFact{Runtime: s.runtime, Context: s.context, Reached: s.reachedCalls(), Hidden: s.hiddenTypes()})
	if s.runtime {
		s.bindLate()
	}
	s.releaseSSA()
	return s.result, nil
}

// releaseSSA drops the package's SSA form once the facts are exported and
// the entry points found: the rules report from the latent problems alone,
// and drivers keep every package's Result until the end of the run (the
// standalone command would otherwise hold the SSA of every package it
// analysed).
func (s *state) releaseSSA() {
	for _, f := range s.funcs {
		f.SSA, f.taints, f.carriers, f.objects, f.calls = nil, nil, nil, nil, nil
	}
	s.pkg, s.byFunc, s.byObj, s.remote, s.inits = nil, nil, nil, nil, nil
	s.ifaceCallees, s.ifaceImpls, s.named, s.hidden, s.byMethod, s.embedding, s.stores = nil, nil, nil, nil, nil, nil, nil
}

// scope says what the package is analysed for: the runtime's rules when
// it imports the runtime, directly or transitively (a direct import
// carries a PackageFact saying so), or has directives; the context rules
// when it imports package context, directly or transitively, and is not
// part of the standard library, which the context model stands for.
func (s *state) scope() (runtime, context bool) {
	if selfTest {
		return true, true
	}
	path := s.pass.Pkg.Path()
	runtime = cancelmodel.IsRuntimePackage(path) || s.dirs.any
	context = !cancelmodel.Modelled(path)
	usesContext := false
	for _, imp := range s.pass.Pkg.Imports() {
		fact := new(PackageFact)
		imported := s.pass.ImportPackageFact(imp, fact)
		if cancelmodel.IsRuntimePackage(imp.Path()) || imported && fact.Runtime {
			runtime = true
		}
		if !usesContext {
			usesContext = imported && fact.Context || cancelmodel.Modelled(imp.Path()) && stdUsesContext(imp)
		}
	}
	return runtime, context && (usesContext || s.callsGivenFuncs())
}

// callsGivenFuncs reports whether the package declares a function or
// method with a parameter of function type that returns an error: a
// helper (retry, best effort) that may swallow the context errors of the
// functions it is given, without importing package context itself.
func (s *state) callsGivenFuncs() bool {
	scope := s.pass.Pkg.Scope()
	check := func(sig *types.Signature) bool {
		for i := 0; i < sig.Params().Len(); i++ {
			if ps, ok := sig.Params().At(i).Type().Underlying().(*types.Signature); ok {
				for j := 0; j < ps.Results().Len(); j++ {
					if cancelmodel.IsError(ps.Results().At(j).Type()) {
						return true
					}
				}
			}
		}
		return false
	}
	for _, name := range scope.Names() {
		switch obj := scope.Lookup(name).(type) {
		case *types.Func:
			if check(obj.Type().(*types.Signature)) {
				return true
			}
		case *types.TypeName:
			if n, ok := obj.Type().(*types.Named); ok {
				for i := 0; i < n.NumMethods(); i++ {
					if check(n.Method(i).Type().(*types.Signature)) {
						return true
					}
				}
			}
		}
	}
	return false
}

// stdUsesContext reports whether a package of the standard library is
// package context or imports it, directly or transitively. The answers
// are shared by every pass of the process: the standard library's import
// graph does not change within one.
func stdUsesContext(pkg *types.Package) bool {
	if v, ok := stdContext.Load(pkg.Path()); ok {
		return v.(bool)
	}
	uses := pkg.Path() == cancelmodel.ContextPath
	stdContext.Store(pkg.Path(), uses) // breaks cycles; import graphs have none
	for _, imp := range pkg.Imports() {
		if uses {
			break
		}
		uses = stdUsesContext(imp)
	}
	stdContext.Store(pkg.Path(), uses)
	return uses
}

var stdContext sync.Map

// buildSSA builds the package's SSA form the way the buildssa pass does, but
// only for the packages that need it.
func (s *state) buildSSA() {
	prog := ssa.NewProgram(s.pass.Fset, ssa.BuilderMode(0))
	prog.SetNoReturn(cancelmodel.NoReturn)
	for _, p := range s.pass.Pkg.Imports() {
		prog.CreatePackage(p, nil, nil, true)
	}
	s.pkg = prog.CreatePackage(s.pass.Pkg, s.pass.Files, s.pass.TypesInfo, false)
	s.pkg.Build()

	s.files = make(map[*token.File]*ast.File)
	for _, f := range s.pass.Files {
		s.files[s.pass.Fset.File(f.Pos())] = f
	}

	var add func(fn *ssa.Function, decl *ast.FuncDecl)
	add = func(fn *ssa.Function, decl *ast.FuncDecl) {
		f := &Func{SSA: fn, s: s, decl: decl}
		s.funcs = append(s.funcs, f)
		s.byFunc[fn] = f
		for _, anon := range fn.AnonFuncs {
			add(anon, nil)
		}
	}
	for _, file := range s.pass.Files {
		for _, d := range file.Decls {
			decl, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			obj, _ := s.pass.TypesInfo.Defs[decl.Name].(*types.Func)
			if obj == nil {
				continue
			}
			fn := prog.FuncValue(obj)
			if fn == nil || fn.Blocks == nil {
				continue
			}
			add(fn, decl)
			s.byObj[obj.Origin()] = s.byFunc[fn]
			s.byFunc[fn].Summary.Cancellable = s.dirs.cancellable[decl]
			s.byFunc[fn].Summary.MarksCancellable = s.dirs.marks[decl]
		}
	}
	// Function literals in package-level variable initialisers belong to
	// the package initialiser; registrations may happen there too.
	for _, m := range s.pkg.Members {
		if fn, ok := m.(*ssa.Function); ok && fn.Synthetic == "package initializer" {
			s.inits = append(s.inits, fn)
			for _, anon := range fn.AnonFuncs {
				add(anon, nil)
			}
		}
	}
}

// summarise computes the Summary of every source function, callees before
// callers: strongly connected components of the reference graph in
// reverse topological order, each iterated to a fixed point.
func (s *state) summarise() {
	for _, scc := range s.components() {
		for round := 0; ; round++ {
			changed := false
			for _, f := range scc {
				if s.compute(f) {
					changed = true
				}
			}
			if !changed || len(scc) == 1 && !s.selfRecursive(scc[0]) || round == 8 {
				break
			}
		}
	}
}

// compute summarises one function and reports whether its summary changed.
// An unexpected shape in the function's code is contained: the function is
// skipped (it gets an empty summary), never the package.
func (s *state) compute(f *Func) (changed bool) {
	before := f.Summary.String()
	defer func() {
		if p := recover(); p != nil {
			s.errs = append(s.errs, fmt.Sprintf("%s: %v", f.SSA, p))
			f.Summary = Summary{Cancellable: f.Summary.Cancellable, MarksCancellable: f.Summary.MarksCancellable}
			f.latent = nil
			f.failed = true
			changed = false
		}
	}()
	if f.failed {
		return false
	}
	if s.hook != nil {
		s.hook(f.SSA)
	}
	f.reset()
	f.scanCalls()
	for _, d := range detectors {
		d(f)
	}
	f.finish()
	return f.Summary.String() != before
}

func (s *state) selfRecursive(f *Func) bool {
	for _, callee := range s.references(f.SSA) {
		if callee == f.SSA {
			return true
		}
	}
	return false
}

// components returns the strongly connected components of the graph of
// references between source functions (calls, closures, function values),
// callees first (Tarjan's algorithm), in a deterministic order.
func (s *state) components() [][]*Func {
	index := make(map[*ssa.Function]int)
	low := make(map[*ssa.Function]int)
	onStack := make(map[*ssa.Function]bool)
	var stack []*ssa.Function
	var out [][]*Func
	var visit func(fn *ssa.Function)
	visit = func(fn *ssa.Function) {
		index[fn] = len(index)
		low[fn] = index[fn]
		stack = append(stack, fn)
		onStack[fn] = true
		for _, g := range s.references(fn) {
			if _, seen := index[g]; !seen {
				visit(g)
				low[fn] = min(low[fn], low[g])
			} else if onStack[g] {
				low[fn] = min(low[fn], index[g])
			}
		}
		if low[fn] == index[fn] {
			var scc []*Func
			for {
				g := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[g] = false
				scc = append(scc, s.byFunc[g])
				if g == fn {
					break
				}
			}
			slices.Reverse(scc)
			out = append(out, scc)
		}
	}
	for _, f := range s.funcs {
		if _, seen := index[f.SSA]; !seen {
			visit(f.SSA)
		}
	}
	return out
}

// references lists the source functions that fn's code refers to, in
// order of appearance.
func (s *state) references(fn *ssa.Function) []*ssa.Function {
	var out []*ssa.Function
	seen := make(map[*ssa.Function]bool)
	var ops []*ssa.Value
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			ops = instr.Operands(ops[:0])
			for _, op := range ops {
				if op == nil || *op == nil {
					continue
				}
				var g *ssa.Function
				switch v := (*op).(type) {
				case *ssa.Function:
					g = s.localFunc(v)
				case *ssa.MakeClosure:
					g = s.localFunc(v.Fn.(*ssa.Function))
				}
				if g != nil && !seen[g] {
					seen[g] = true
					out = append(out, g)
				}
			}
			// The local methods a call through an interface may call,
			// and the functions a function value may be: summarised
			// before the caller.
			if call, ok := instr.(ssa.CallInstruction); ok {
				var members []Callee
				switch c := call.Common(); {
				case c.IsInvoke():
					members, _ = s.invokeCallees(c)
				case c.StaticCallee() == nil && s.byFunc[fn] != nil:
					members, _ = s.byFunc[fn].funcValues(c.Value, make(map[ssa.Value]bool))
				}
				for _, m := range members {
					if m.Local != nil && !seen[m.Local.SSA] {
						seen[m.Local.SSA] = true
						out = append(out, m.Local.SSA)
					}
				}
			}
		}
	}
	return out
}

// localFunc maps an SSA function (an instance, a bound-method or thunk
// wrapper) to the source function of this package it stands for, or nil.
func (s *state) localFunc(fn *ssa.Function) *ssa.Function {
	if fn == nil {
		return nil
	}
	if f, ok := s.byFunc[fn]; ok {
		return f.SSA
	}
	if o := fn.Origin(); o != nil {
		if f, ok := s.byFunc[o]; ok {
			return f.SSA
		}
	}
	if obj, ok := fn.Object().(*types.Func); ok && obj != nil {
		if f, ok := s.byObj[obj.Origin()]; ok {
			return f.SSA
		}
	}
	return nil
}

// exportFacts exports the Summary of every named function that has one.
func (s *state) exportFacts() {
	for _, f := range s.funcs {
		if f.decl == nil || f.Summary.isZero() {
			continue
		}
		obj, _ := s.pass.TypesInfo.Defs[f.decl.Name].(*types.Func)
		if obj == nil {
			continue
		}
		sum := f.Summary
		s.pass.ExportObjectFact(obj, &sum)
	}
}

// importSummary returns the fact of a function of another package, or nil.
func (s *state) importSummary(obj *types.Func) *Summary {
	obj = obj.Origin()
	if sum, ok := s.remote[obj]; ok {
		return sum
	}
	var sum *Summary
	if obj.Pkg() != nil && obj.Pkg() != s.pass.Pkg {
		fact := new(Summary)
		if s.pass.ImportObjectFact(obj, fact) {
			sum = fact
		}
	}
	s.remote[obj] = sum
	return sum
}

// ExtractDoc returns the "# Analyzer name" section of the package comment
// in a doc.go source, after its "name: " prefix: the Doc of that analyzer,
// in the style of the golang.org/x/tools passes. It panics if there is
// none, which a test of the analyzer catches.
func ExtractDoc(src, name string) string {
	var lines []string
	in := false
	for line := range strings.Lines(src) {
		line = strings.TrimRight(line, "\n")
		text, ok := strings.CutPrefix(line, "//")
		if !ok {
			if in {
				break
			}
			continue
		}
		text = strings.TrimPrefix(text, " ")
		if heading, ok := strings.CutPrefix(text, "# "); ok {
			if in {
				break
			}
			in = heading == "Analyzer "+name
			continue
		}
		if in {
			lines = append(lines, text)
		}
	}
	doc := strings.TrimPrefix(strings.TrimSpace(strings.Join(lines, "\n")), name+": ")
	if doc == "" {
		panic("no \"# Analyzer " + name + "\" section in doc.go")
	}
	return doc
}
