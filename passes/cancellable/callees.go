package cancellable

import (
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/cancelcheck/cancelcheck/internal/cancelmodel"
)

// This file resolves the calls that do not name their callee: calls
// through an interface, and calls of function values kept in variables,
// fields and package variables. Both resolve to a set of functions, whose
// summaries are joined into one (see join): a call through them may do
// what any of them does.
//
// Interfaces are resolved by class hierarchy analysis over the types the
// package can see: its own and those of every package it imports,
// directly or not, that cancellable analysed (their methods' summaries are
// facts). The set is closed — the call does what its members do, and no
// more — when the interface is declared in analysed code, so that its
// implementations live there too; an interface of the standard library
// (io.Reader, http.RoundTripper) is implemented everywhere, so a call
// through one stays open and the context model judges it by its
// arguments. Function values are resolved by following them back through
// local variables, phis and conversions, and, field by field, to every
// function the package stores into the same struct field or package
// variable (field-based flow, the part of VTA's propagation graph that a
// package-at-a-time analysis can build). golang.org/x/tools/go/callgraph's
// VTA itself is not used: it needs generic functions instantiated
// (ssa.InstantiateGenerics) and sees only the bodies of the package at
// hand, while cancellable summarises a generic function once, by its
// origin, and knows other packages only by their facts.

// invokeCallees returns the methods a call through an interface may call,
// and whether that set is closed.
func (s *state) invokeCallees(c *ssa.CallCommon) ([]Callee, bool) {
	iface, ok := c.Value.Type().Underlying().(*types.Interface)
	if !ok {
		return nil, false
	}
	name := c.Method.Name()
	byName := s.ifaceCallees[iface]
	if byName == nil {
		byName = make(map[string][]Callee)
		if s.ifaceCallees == nil {
			s.ifaceCallees = make(map[*types.Interface]map[string][]Callee)
		}
		s.ifaceCallees[iface] = byName
	}
	out, ok := byName[name]
	if !ok {
		var methods []*types.Func
		for _, recv := range s.implementations(iface) {
			obj, _, _ := types.LookupFieldOrMethod(recv, true, recvPkg(recv), name)
			if fn, ok := obj.(*types.Func); ok && !slices.Contains(methods, fn) {
				methods = append(methods, fn)
			}
		}
		for _, m := range methods {
			if callee := s.calleeOf(m); callee.Resolved() {
				out = append(out, callee)
			}
		}
		out = slices.Clip(append(out, s.hiddenImplementations(iface, name)...))
		byName[name] = out
	}
	pkg := c.Method.Pkg()
	closed := len(out) > 0 && pkg != nil && !cancelmodel.Modelled(pkg.Path())
	return out, closed
}

// implementations returns the receiver types in sight that implement
// iface: for each named type T of implementers, T if it does, else *T if
// that does. Memoised per interface, as a package calls several methods of
// the same interface.
func (s *state) implementations(iface *types.Interface) []types.Type {
	if recvs, ok := s.ifaceImpls[iface]; ok {
		return recvs
	}
	recvs := []types.Type{}
	for _, t := range s.implementers(iface) {
		for _, recv := range []types.Type{t, types.NewPointer(t)} {
			if types.Implements(recv, iface) {
				recvs = append(recvs, recv)
				break // *T's methods include T's
			}
		}
	}
	if s.ifaceImpls == nil {
		s.ifaceImpls = make(map[*types.Interface][]types.Type)
	}
	s.ifaceImpls[iface] = recvs
	return recvs
}

// recvPkg returns the package of a receiver type T or *T.
func recvPkg(recv types.Type) *types.Package {
	if p, ok := recv.(*types.Pointer); ok {
		recv = p.Elem()
	}
	return recv.(*types.Named).Obj().Pkg()
}

// implementers returns the named types of namedTypes that may implement
// iface: those that declare its rarest method, by name, and those whose
// structs embed a field (which may promote one). types.Implements decides;
// this only spares it the types that cannot, which in a program of
// generated protocol buffer code are nearly all of them.
func (s *state) implementers(iface *types.Interface) []*types.Named {
	named := s.namedTypes()
	if iface.NumMethods() == 0 {
		return named
	}
	if s.byMethod == nil {
		s.byMethod = make(map[string][]*types.Named)
		for _, n := range named {
			for i := 0; i < n.NumMethods(); i++ {
				s.byMethod[n.Method(i).Name()] = append(s.byMethod[n.Method(i).Name()], n)
			}
			if st, ok := n.Underlying().(*types.Struct); ok {
				for i := 0; i < st.NumFields(); i++ {
					if st.Field(i).Embedded() {
						s.embedding = append(s.embedding, n)
						break
					}
				}
			}
		}
	}
	rarest := s.byMethod[iface.Method(0).Name()]
	for i := 1; i < iface.NumMethods(); i++ {
		if c := s.byMethod[iface.Method(i).Name()]; len(c) < len(rarest) {
			rarest = c
		}
	}
	return append(slices.Clip(rarest), s.embedding...)
}

// namedTypes lists the concrete named types the package can see in
// analysed code: its own, and those of the analysed packages it imports,
// directly or not. Computed once per package.
func (s *state) namedTypes() []*types.Named {
	if s.named != nil {
		return s.named
	}
	s.named, s.hidden = []*types.Named{}, nil
	seen := make(map[*types.Package]bool)
	var visit func(p *types.Package)
	visit = func(p *types.Package) {
		if seen[p] {
			return
		}
		seen[p] = true
		if cancelmodel.Modelled(p.Path()) {
			return
		}
		if p != s.pass.Pkg {
			fact := new(PackageFact)
			if !s.pass.ImportPackageFact(p, fact) {
				return // not analysed: its methods have no summaries
			}
			s.hidden = append(s.hidden, fact.Hidden...)
		}
		scope := p.Scope()
		for _, name := range scope.Names() {
			tn, ok := scope.Lookup(name).(*types.TypeName)
			if !ok || tn.IsAlias() {
				continue
			}
			n, ok := tn.Type().(*types.Named)
			if !ok || n.TypeParams().Len() > 0 || types.IsInterface(n) {
				continue
			}
			s.named = append(s.named, n)
		}
		for _, imp := range p.Imports() {
			visit(imp)
		}
	}
	visit(s.pass.Pkg)
	return s.named
}

// hiddenImplementations returns method name of the hidden types of the
// packages this one imports (see PackageFact.Hidden) that have every
// method of iface: the implementations that no export data shows. Their
// signatures are not known here; a type with the interface's method
// names is taken to implement it.
func (s *state) hiddenImplementations(iface *types.Interface, name string) []Callee {
	if s.unseen == nil {
		s.namedTypes() // collects s.hidden
		s.unseen = []*HiddenType{}
		for i := range s.hidden {
			if h := &s.hidden[i]; s.madeType(h.Name) == nil {
				s.unseen = append(s.unseen, h) // else in sight after all (checked from source): namedTypes has it
			}
		}
	}
	var out []Callee
	for _, h := range s.unseen {
		implements := true
		for j := 0; j < iface.NumMethods() && implements; j++ {
			_, implements = slices.BinarySearch(h.Methods, iface.Method(j).Name())
		}
		if !implements {
			continue
		}
		for k := range h.Facts {
			if m := &h.Facts[k]; m.Name == name {
				out = append(out, Callee{Summary: &m.Summary, Name: hiddenName(h.Name) + "." + name, Recv: true, hidden: m})
			}
		}
	}
	return out
}

// hiddenName renders "*example.com/app/service.catalog" as
// "service.catalog".
func hiddenName(name string) string {
	name = strings.TrimPrefix(name, "*")
	return name[strings.LastIndexByte(name, '/')+1:]
}

// hiddenTypes lists the package's unexported types that it converts to
// interfaces, with the facts of their methods (PackageFact.Hidden).
func (s *state) hiddenTypes() []HiddenType {
	seen := make(map[types.Type]bool)
	var out []HiddenType
	for _, f := range s.funcs {
		for _, b := range f.SSA.Blocks {
			for _, instr := range b.Instrs {
				mi, ok := instr.(*ssa.MakeInterface)
				if !ok || seen[mi.X.Type()] {
					continue
				}
				seen[mi.X.Type()] = true
				t := mi.X.Type()
				ptr := ""
				if p, ok := t.(*types.Pointer); ok {
					t, ptr = p.Elem(), "*"
				}
				n, ok := t.(*types.Named)
				if !ok || n.Obj().Pkg() != s.pass.Pkg || n.Obj().Exported() || n.Obj().Parent() != s.pass.Pkg.Scope() || n.TypeParams().Len() > 0 {
					continue
				}
				h := HiddenType{Name: ptr + n.Obj().Pkg().Path() + "." + n.Obj().Name()}
				ms := types.NewMethodSet(mi.X.Type())
				for i := 0; i < ms.Len(); i++ {
					fn, _ := ms.At(i).Obj().(*types.Func)
					if fn == nil {
						continue
					}
					h.Methods = append(h.Methods, fn.Name())
					lf := s.byObj[fn.Origin()]
					if lf == nil || lf.failed || lf.Summary.isZero() && len(lf.shared.Results) == 0 && len(lf.shared.Awaits) == 0 && len(lf.shared.Passes) == 0 {
						continue
					}
					h.Facts = append(h.Facts, HiddenMethod{Name: fn.Name(), Summary: lf.Summary, Shared: lf.shared})
				}
				slices.Sort(h.Methods)
				if len(h.Facts) > 0 {
					out = append(out, h)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b HiddenType) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// calleeOf resolves a function or method object as a static call of it
// would.
func (s *state) calleeOf(obj *types.Func) Callee {
	obj = obj.Origin()
	if f, ok := s.byObj[obj]; ok {
		return Callee{Func: obj, Local: f, Summary: &f.Summary, Name: f.Name(), Recv: true}
	}
	c := Callee{Func: obj, Name: s.objName(obj), Recv: obj.Type().(*types.Signature).Recv() != nil}
	if name, ok := cancelmodel.Name(obj); ok {
		c.Runtime = name
		return c
	}
	c.Summary = s.importSummary(obj)
	return c
}

// join returns one Callee standing for a set of possible callees: its
// summary says what any of them may do (it suspends if one does, a result
// carries what any carries, a parameter is run if one runs it, only read if
// all only read it), and its Members are the callees, whose latent
// problems a call inherits.
func join(name string, fn *types.Func, recv bool, members []Callee) Callee {
	sum := &Summary{}
	reads := make(map[int]int)
	cuts := make(map[[2]int]int)
	for _, m := range members {
		ms := m.Summary
		if ms == nil {
			continue
		}
		sum.Suspends = sum.Suspends || ms.Suspends
		for i, fl := range ms.Results {
			for len(sum.Results) <= i {
				sum.Results = append(sum.Results, 0)
			}
			sum.Results[i] |= fl
		}
		sum.RunsParams = append(sum.RunsParams, ms.RunsParams...)
		for _, p := range ms.ReadsParams {
			reads[p]++
		}
		for _, p := range ms.ParamErrs {
			if p.Cut != "" {
				cuts[[2]int{p.Param, p.Result}]++
				continue
			}
			if i := slices.IndexFunc(sum.ParamErrs, func(q ParamErr) bool { return q.Param == p.Param && q.Result == p.Result }); i >= 0 {
				sum.ParamErrs[i].Wrapped = sum.ParamErrs[i].Wrapped || p.Wrapped
			} else {
				sum.ParamErrs = append(sum.ParamErrs, p)
			}
		}
	}
	for p, n := range reads {
		if n == len(members) {
			sum.ReadsParams = append(sum.ReadsParams, p)
		}
	}
	for _, m := range members {
		for _, p := range m.Summary.paramErrs() {
			if p.Cut != "" && cuts[[2]int{p.Param, p.Result}] == len(members) &&
				!slices.ContainsFunc(sum.ParamErrs, func(q ParamErr) bool { return q.Param == p.Param && q.Result == p.Result }) {
				sum.ParamErrs = append(sum.ParamErrs, p) // every member cuts it
			}
		}
	}
	sum.normalize()
	return Callee{Func: fn, Summary: sum, Name: name, Recv: recv, Members: members}
}

// paramErrs is ParamErrs of a summary that may be nil.
func (s *Summary) paramErrs() []ParamErr {
	if s == nil {
		return nil
	}
	return s.ParamErrs
}

// funcValues returns the functions a function value may be: followed back
// through local variables, phis and conversions, and to what the package
// stores into the same field or package variable. ok is false when some
// of its origins are not known (a parameter, a call's result, a map).
func (f *Func) funcValues(v ssa.Value, seen map[ssa.Value]bool) (out []Callee, ok bool) {
	if seen[v] {
		return nil, true
	}
	seen[v] = true
	switch v := v.(type) {
	case *ssa.Function, *ssa.MakeClosure:
		if c := f.FuncValue(v); c.Resolved() {
			return []Callee{c}, true
		}
		return nil, false
	case *ssa.ChangeType:
		return f.funcValues(v.X, seen)
	case *ssa.Const:
		return nil, true // nil
	case *ssa.Phi:
		ok = true
		for _, e := range v.Edges {
			cs, eok := f.funcValues(e, seen)
			out, ok = appendCallees(out, cs), ok && eok
		}
		return out, ok
	case *ssa.UnOp:
		if v.Op != mulOp {
			return nil, false
		}
		switch x := v.X.(type) {
		case *ssa.Alloc:
			if captured(x) {
				break
			}
			ok = true
			for _, val := range reachingStores(v) {
				cs, vok := f.funcValues(val, seen)
				out, ok = appendCallees(out, cs), ok && vok
			}
			return out, ok
		case *ssa.FieldAddr, *ssa.Global:
			return f.storedFuncs(x, seen)
		}
	case *ssa.Field:
		return f.storedFuncs(v, seen)
	case *ssa.Lookup:
		if !v.CommaOk {
			return f.mapFuncs(v.X, seen)
		}
	case *ssa.Extract:
		if l, ok := v.Tuple.(*ssa.Lookup); ok && v.Index == 0 {
			return f.mapFuncs(l.X, seen) // fn, ok := m[k]
		}
	}
	return nil, false
}

// mapFuncs returns the functions a map of function values may hold: those
// put into a map made here (a literal) that goes nowhere else, or into the
// map kept in a field or package variable that only this package sets.
func (f *Func) mapFuncs(m ssa.Value, seen map[ssa.Value]bool) ([]Callee, bool) {
	switch m := m.(type) {
	case *ssa.MakeMap:
		var out []Callee
		ok := true
		for _, r := range *m.Referrers() {
			switch r := r.(type) {
			case *ssa.MapUpdate:
				cs, vok := f.funcValues(r.Value, seen)
				out, ok = appendCallees(out, cs), ok && vok
			case *ssa.Lookup:
			default:
				ok = false // handed on: more may be put in
			}
		}
		return out, ok && len(out) > 0
	case *ssa.UnOp:
		switch x := m.X.(type) {
		case *ssa.FieldAddr, *ssa.Global:
			if m.Op == mulOp {
				return f.storedFuncs(x, seen)
			}
		}
	}
	return nil, false
}

// storedFuncs returns the functions the package stores into the field or
// package variable that addr (a *ssa.FieldAddr, *ssa.Field or
// *ssa.Global) denotes. A field of a type declared elsewhere, or a
// variable exported to other packages, may also be set there: not known.
func (f *Func) storedFuncs(addr ssa.Value, seen map[ssa.Value]bool) ([]Callee, bool) {
	key, local := f.s.storageKey(addr)
	if key == nil {
		return nil, false
	}
	var out []Callee
	ok := local
	for _, val := range f.s.fieldStores()[key] {
		cs, vok := val.f.funcValues(val.v, seen)
		out, ok = appendCallees(out, cs), ok && vok
	}
	return out, ok && len(out) > 0
}

// storageKey identifies a struct field or package variable, and whether
// only this package can set it (the field's struct type, or the variable,
// is this package's and not exported).
func (s *state) storageKey(addr ssa.Value) (types.Object, bool) {
	switch a := addr.(type) {
	case *ssa.Global:
		obj := a.Object()
		return obj, obj != nil && obj.Pkg() == s.pass.Pkg && !obj.Exported()
	case *ssa.FieldAddr:
		return s.fieldObj(a.X.Type(), a.Field)
	case *ssa.Field:
		return s.fieldObj(a.X.Type(), a.Field)
	}
	return nil, false
}

// fieldObj returns the field i of a struct (or pointer to struct) type,
// and whether it is a field of this package, which other packages' code
// seen here cannot set.
func (s *state) fieldObj(t types.Type, i int) (types.Object, bool) {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok || i >= st.NumFields() {
		return nil, false
	}
	fld := st.Field(i)
	return fld, fld.Pkg() == s.pass.Pkg
}

// A storedValue is a function value or a context stored into a field or
// package variable, in the function that stores it.
type storedValue struct {
	f *Func
	v ssa.Value
}

// fieldStores maps each field and package variable to the function
// values and contexts the package stores into it, or puts into the map it
// holds: what a call through a field, or of a function looked up in a
// map kept there, may reach, and whether a context kept in a field may be
// cancelled. Computed once per package.
func (s *state) fieldStores() map[types.Object][]storedValue {
	if s.stores != nil {
		return s.stores
	}
	s.stores = make(map[types.Object][]storedValue)
	funcs := slices.Clone(s.funcs)
	for _, init := range s.inits {
		// A package variable's initialiser (var onErr = func(…) {…})
		// stores in the package initialiser, which is no source function:
		// a Func of its own resolves what it stores.
		funcs = append(funcs, &Func{SSA: init, s: s})
	}
	for _, f := range funcs {
		for _, b := range f.SSA.Blocks {
			for _, instr := range b.Instrs {
				if mu, ok := instr.(*ssa.MapUpdate); ok {
					// A function put into a map kept in a field or
					// variable: one that a lookup there may give.
					if _, isFunc := mu.Value.Type().Underlying().(*types.Signature); isFunc {
						if key := s.mapKey(mu.Map); key != nil {
							s.stores[key] = append(s.stores[key], storedValue{f, mu.Value})
						}
					}
					continue
				}
				st, ok := instr.(*ssa.Store)
				if !ok {
					continue
				}
				_, isFunc := st.Val.Type().Underlying().(*types.Signature)
				if !isFunc && !cancelmodel.IsContextType(st.Val.Type()) {
					continue
				}
				if key, _ := s.storageKey(st.Addr); key != nil {
					s.stores[key] = append(s.stores[key], storedValue{f, st.Val})
				}
			}
		}
	}
	return s.stores
}

// mapKey identifies the field or package variable that a map is kept in:
// loaded from there, or made and stored there.
func (s *state) mapKey(m ssa.Value) types.Object {
	switch m := m.(type) {
	case *ssa.UnOp:
		if m.Op == mulOp {
			key, _ := s.storageKey(m.X)
			return key
		}
	case *ssa.MakeMap:
		for _, r := range *m.Referrers() {
			if st, ok := r.(*ssa.Store); ok && st.Val == m {
				key, _ := s.storageKey(st.Addr)
				return key
			}
		}
	}
	return nil
}

// appendCallees adds callees not yet in list.
func appendCallees(list, add []Callee) []Callee {
	for _, c := range add {
		if !slices.ContainsFunc(list, func(d Callee) bool { return d.Func == c.Func && d.Local == c.Local }) {
			list = append(list, c)
		}
	}
	return list
}
