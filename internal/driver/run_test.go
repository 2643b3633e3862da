package driver

import (
	"go/types"
	"sync"
	"testing"
	"time"

	"golang.org/x/tools/go/packages"
)

// graph returns the units of a package graph given as each package's
// imports and source size in MB.
func graph(imports map[string][]string, size map[string]int64) []*unit {
	pkgs := make(map[string]*packages.Package)
	for id := range imports {
		pkgs[id] = &packages.Package{ID: id, PkgPath: id, Imports: make(map[string]*packages.Package)}
	}
	for id, imps := range imports {
		for _, imp := range imps {
			pkgs[id].Imports[imp] = pkgs[imp]
		}
	}
	var roots []*packages.Package
	for _, p := range pkgs {
		roots = append(roots, p)
	}
	all, _ := units(roots)
	for _, u := range all {
		u.size = size[u.pkg.ID] << 20
	}
	return all
}

// Every package is processed once, after its imports, with its
// dependencies' types still there; the source in flight never exceeds
// the largest package's (or minBudget) unless a package runs alone; and
// every package's types are released by the end.
func TestSchedule(t *testing.T) {
	imports := map[string][]string{
		"runtime": nil,
		"big":     {"runtime"},
		"huge":    {"runtime"},
		"a":       {"runtime"},
		"b":       {"a"},
		"c":       {"a", "big"},
		"d":       {"b", "c", "huge"},
		"e":       {"runtime"},
		"f":       {"e"},
	}
	size := map[string]int64{"huge": 10, "big": 6, "a": 3, "b": 2, "c": 1, "d": 1, "e": 3, "f": 3}
	all := graph(imports, size)
	budget := int64(10 << 20)

	var mu sync.Mutex
	done := make(map[*unit]bool)
	running := make(map[*unit]bool)
	r := newRunner(nil, 3, nil)
	r.schedule(all, func(u *unit) {
		mu.Lock()
		if done[u] || running[u] {
			t.Errorf("%s processed twice", u.pkg.ID)
		}
		for _, imp := range u.imports {
			if !done[imp] {
				t.Errorf("%s started before its import %s was done", u.pkg.ID, imp.pkg.ID)
			}
		}
		for _, d := range deps(u)[1:] {
			if d.types == nil {
				t.Errorf("%s started after the types of its dependency %s were released", u.pkg.ID, d.pkg.ID)
			}
		}
		running[u] = true
		var inflight int64
		var names []string
		for v := range running {
			inflight += v.size
			names = append(names, v.pkg.ID)
		}
		if len(running) > 1 && inflight > budget {
			t.Errorf("%d MB of source in flight: %v", inflight>>20, names)
		}
		u.types = types.NewPackage(u.pkg.ID, u.pkg.ID)
		mu.Unlock()

		time.Sleep(10 * time.Millisecond)

		mu.Lock()
		delete(running, u)
		done[u] = true
		mu.Unlock()
	})
	for _, u := range all {
		if !done[u] {
			t.Errorf("%s not processed", u.pkg.ID)
		}
		if u.types != nil {
			t.Errorf("the types of %s were not released", u.pkg.ID)
		}
	}
	if len(r.byTypes) != 0 {
		t.Errorf("%d packages left in byTypes", len(r.byTypes))
	}
}
