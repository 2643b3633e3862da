package cancellable

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// This file binds calls through interfaces that no package could resolve
// alone: in a layered program, the handlers (package api) call a service
// interface whose repositories (an interface of package service) are
// implemented in package store, which imports service; api never sees
// store, and store never sees api's entry points. The package that wires
// them (main, or whichever imports both) sees both: the calls that api's
// entry points make through the interface, exported in api's PackageFact
// (Reached), and the implementation, converted to the interface there.
// At each such conversion, the implementation's problems become findings,
// with the call path from the entry point through the interface.

// A DynCall is a call through an interface that its caller's package could
// not resolve, with the call path from a function to it.
type DynCall struct {
	Method string // the interface method: "example.com/app/service.Repo.Load"
	Path   []Step // to the function that makes the call (its Call is the call)
}

// dynKey names an interface method as DynCall.Method does.
func dynKey(m *types.Func) string {
	sig := m.Type().(*types.Signature)
	if n := named(sig.Recv().Type()); n != nil && n.Obj().Pkg() != nil {
		return n.Obj().Pkg().Path() + "." + n.Obj().Name() + "." + m.Name()
	}
	return ""
}

// recordDynamic records an open call through an interface made at site.
func (f *Func) recordDynamic(c *ssa.CallCommon, site token.Pos) {
	if key := dynKey(c.Method); key != "" {
		f.addDynamic(DynCall{Method: key, Path: []Step{f.stepAt(site)}})
	}
}

// addDynamic adds an open interface call, keeping one path per method,
// the shortest: a function that calls itself at several sites would
// otherwise double its list at each of them.
func (f *Func) addDynamic(d DynCall) {
	for i, old := range f.Summary.Dynamic {
		if old.Method == d.Method {
			if len(d.Path) < len(old.Path) {
				f.Summary.Dynamic[i] = d
			}
			return
		}
	}
	f.Summary.Dynamic = append(f.Summary.Dynamic, d)
}

// inheritDynamic adds a callee's open interface calls to the function's,
// with the function prepended to their paths.
func (f *Func) inheritDynamic(callee Callee, site token.Pos) {
	for _, m := range callee.Members {
		if m.Summary != nil {
			f.inheritDynamic(m, site)
		}
	}
	if len(callee.Members) > 0 || callee.Summary == nil || callee.Local == f {
		return
	}
	for _, d := range callee.Summary.Dynamic {
		f.addDynamic(DynCall{Method: d.Method, Path: prepend(f.stepAt(site), d.Path)})
	}
}

// normalizeDynamic keeps the shortest path per method, sorted, at most
// MaxLatent.
func normalizeDynamic(ds []DynCall) []DynCall {
	slices.SortStableFunc(ds, func(a, b DynCall) int {
		if c := strings.Compare(a.Method, b.Method); c != 0 {
			return c
		}
		return len(a.Path) - len(b.Path)
	})
	ds = slices.CompactFunc(ds, func(a, b DynCall) bool { return a.Method == b.Method })
	if len(ds) > MaxLatent {
		ds = ds[:MaxLatent]
	}
	if len(ds) == 0 {
		return nil
	}
	return slices.Clip(ds)
}

// reachedCalls lists the open interface calls that this package's entry
// points reach, with their paths from the entry point: exported in the
// PackageFact for the packages that import this one.
func (s *state) reachedCalls() []DynCall {
	var out []DynCall
	for _, e := range s.result.entries {
		var ds []DynCall
		switch {
		case e.local != nil:
			ds = e.local.Summary.Dynamic
		case e.remote != nil:
			ds = e.remote.Dynamic
		}
		out = append(out, ds...)
	}
	return normalizeDynamic(out)
}

// A lateFinding is a problem of an implementation bound here to an
// interface that an entry point of another package calls through.
type lateFinding struct {
	latent
	via string // "service.Repo.Load"
}

// bindLate finds, in this package's code, the conversions of concrete
// types to interfaces whose methods the entry points of the packages this
// one imports (and its own) call through, and records the problems of the
// implementations as findings at the conversion. An implementation's own
// calls through interfaces (a decorator calls the repository it wraps)
// are reached in turn, through the conversions of other values.
func (s *state) bindLate() {
	var work []DynCall
	for _, pf := range s.pass.AllPackageFacts() {
		if fact, ok := pf.Fact.(*PackageFact); ok {
			work = append(work, fact.Reached...)
		}
	}
	work = append(work, s.reachedCalls()...)
	if len(work) == 0 {
		return
	}
	sites := s.bindingSites()
	seen := make(map[string]bool)
	for len(work) > 0 && len(seen) < 1000 {
		d := work[0]
		work = work[1:]
		i := strings.LastIndexByte(d.Method, '.')
		iface, name := d.Method[:i], d.Method[i+1:]
		for _, site := range sites[iface] {
			key := d.Method + "\x00" + site.name() + "\x00" + fmt.Sprint(site.pos)
			if seen[key] {
				continue
			}
			seen[key] = true
			callee := site.method(s, name)
			if callee.Summary == nil || callee.Local != nil {
				continue // this package's own methods are resolved where they are called
			}
			for _, p := range callee.Summary.Latent {
				p.Path = joinPaths(d.Path, p.Path)
				s.result.late = append(s.result.late, lateFinding{latent: latent{Problem: p, pos: site.pos}, via: methodName(d.Method)})
			}
			for _, inner := range callee.Summary.Dynamic {
				work = append(work, DynCall{Method: inner.Method, Path: joinPaths(d.Path, inner.Path)})
			}
		}
	}
}

// joinPaths is a call path followed by another, capped at MaxPath steps
// (the middle dropped).
func joinPaths(a, b []Step) []Step {
	path := append(slices.Clone(a), b...)
	if len(path) > MaxPath {
		path = append(path[:MaxPath-1], path[len(path)-1])
	}
	return path
}

// A bindingSite is where a concrete type becomes an interface in this
// package's code.
type bindingSite struct {
	concrete types.Type
	hidden   *HiddenType // instead of concrete: a type no export data shows
	pos      token.Pos
}

func (b bindingSite) name() string {
	if b.hidden != nil {
		return b.hidden.Name
	}
	return types.TypeString(b.concrete, nil)
}

// method returns the method of that name of the site's concrete type.
func (b bindingSite) method(s *state, name string) Callee {
	if b.hidden != nil {
		for i := range b.hidden.Facts {
			if m := &b.hidden.Facts[i]; m.Name == name {
				return Callee{Summary: &m.Summary, Name: hiddenName(b.hidden.Name) + "." + name, Recv: true, hidden: m}
			}
		}
		return Callee{}
	}
	obj, _, _ := types.LookupFieldOrMethod(b.concrete, true, nil, name)
	m, ok := obj.(*types.Func)
	if !ok {
		return Callee{}
	}
	return s.calleeOf(m)
}

// bindingSites lists the package's conversions of concrete types to named
// interfaces, by interface ("pkg.Iface"): a MakeInterface, or a call of a
// constructor of another package whose summary says which concrete type
// it returns as the interface.
func (s *state) bindingSites() map[string][]bindingSite {
	out := make(map[string][]bindingSite)
	for _, f := range s.funcs {
		for _, b := range f.SSA.Blocks {
			for _, instr := range b.Instrs {
				var concrete, iface types.Type
				var hidden *HiddenType
				var pos token.Pos
				switch instr := instr.(type) {
				case *ssa.MakeInterface:
					concrete, iface, pos = instr.X.Type(), instr.Type(), s.conversionPos(instr)
				case *ssa.Call:
					callee := f.Callee(instr.Common())
					if callee.Summary != nil && len(callee.Summary.Makes) > 0 && callee.Local == nil {
						concrete, iface, pos = s.madeType(callee.Summary.Makes[0]), instr.Type(), s.callStart(instr.Pos())
						if concrete == nil {
							hidden = s.hiddenType(callee.Summary.Makes[0])
						}
					}
				}
				if concrete == nil && hidden == nil || !pos.IsValid() {
					continue
				}
				if n := named(iface); n != nil && n.Obj().Pkg() != nil && types.IsInterface(n) {
					key := n.Obj().Pkg().Path() + "." + n.Obj().Name()
					out[key] = append(out[key], bindingSite{concrete, hidden, pos})
				}
			}
		}
	}
	return out
}

// conversionPos returns where a conversion to an interface is: its own
// position when it is explicit, else that of the call, store or return
// that makes it implicitly.
func (s *state) conversionPos(mi *ssa.MakeInterface) token.Pos {
	if mi.Pos().IsValid() {
		return mi.Pos()
	}
	for _, r := range *mi.Referrers() {
		switch r := r.(type) {
		case *ssa.Call:
			return s.callStart(r.Pos())
		case *ssa.Store, *ssa.Return:
			if r.Pos().IsValid() {
				return r.Pos()
			}
		}
	}
	return token.NoPos
}

// methodName renders "example.com/app/service.Repo.Load" as
// "service.Repo.Load".
func methodName(key string) string {
	return key[strings.LastIndexByte(key[:strings.LastIndexByte(key[:strings.LastIndexByte(key, '.')], '.')], '/')+1:]
}

// hiddenType returns the hidden type of an imported package named as
// Makes names it (see PackageFact.Hidden), or nil.
func (s *state) hiddenType(name string) *HiddenType {
	s.namedTypes() // collects s.hidden
	for i := range s.hidden {
		if s.hidden[i].Name == name {
			return &s.hidden[i]
		}
	}
	return nil
}

// madeType looks up a concrete type named as Makes names it ("*" and the
// package path and name) among the packages this one sees.
func (s *state) madeType(name string) types.Type {
	ptr := strings.HasPrefix(name, "*")
	name = strings.TrimPrefix(name, "*")
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return nil
	}
	p := s.visiblePackage(name[:i])
	if p == nil {
		return nil
	}
	typeName := name[i+1:]
	tn, ok := p.Scope().Lookup(typeName).(*types.TypeName)
	if !ok {
		return nil
	}
	if ptr {
		return types.NewPointer(tn.Type())
	}
	return tn.Type()
}

// visiblePackage returns the package of this path among those this one
// imports, directly or not (or this one), or nil. The packages are
// indexed once per package: madeType is asked for every hidden type at
// every call through an interface.
func (s *state) visiblePackage(path string) *types.Package {
	if s.visible == nil {
		s.visible = make(map[string]*types.Package)
		seen := make(map[*types.Package]bool)
		var visit func(p *types.Package)
		visit = func(p *types.Package) {
			if seen[p] {
				return
			}
			seen[p] = true
			if _, ok := s.visible[p.Path()]; !ok {
				s.visible[p.Path()] = p // the first in this order, as a search would find it
			}
			for _, imp := range p.Imports() {
				visit(imp)
			}
		}
		visit(s.pass.Pkg)
	}
	return s.visible[path]
}

// makes records the concrete types the function returns as interfaces:
// "*example.com/app/store.Repo".
func (f *Func) makes() {
	results := f.SSA.Signature.Results()
	for _, b := range f.SSA.Blocks {
		ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
		if !ok {
			continue
		}
		for i, v := range ret.Results {
			if i >= results.Len() || !types.IsInterface(results.At(i).Type()) {
				continue
			}
			mi, ok := v.(*ssa.MakeInterface)
			if !ok {
				continue
			}
			t := mi.X.Type()
			ptr := ""
			if p, isPtr := t.(*types.Pointer); isPtr {
				t, ptr = p.Elem(), "*"
			}
			if n, isNamed := t.(*types.Named); isNamed && n.Obj().Pkg() != nil {
				name := fmt.Sprintf("%s%s.%s", ptr, n.Obj().Pkg().Path(), n.Obj().Name())
				if !slices.Contains(f.Summary.Makes, name) {
					f.Summary.Makes = append(f.Summary.Makes, name)
				}
			}
		}
	}
}
