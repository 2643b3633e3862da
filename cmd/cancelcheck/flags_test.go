package main

import (
	"slices"
	"testing"

	"github.com/cancelcheck/cancelcheck/analyzers"
)

func TestExpandAll(t *testing.T) {
	var rules []string
	for _, a := range analyzers.All {
		if a.Flags.Lookup("all") != nil { // the context rules report everywhere
			rules = append(rules, "-"+a.Name+".all=true")
		}
	}
	for _, tc := range []struct {
		args, want []string
	}{
		{[]string{"cc", "./..."}, []string{"cc", "./..."}},
		{[]string{"cc", "-all", "./..."}, append(append([]string{"cc"}, rules...), "./...")},
		{[]string{"cc", "--all=true", "-json", "x.cfg"}, append(append([]string{"cc"}, rules...), "-json", "x.cfg")},
		{[]string{"cc", "-json", "./...", "-all"}, []string{"cc", "-json", "./...", "-all"}},
		{[]string{"cc", "-allx", "./..."}, []string{"cc", "-allx", "./..."}},
	} {
		if got := expandAll(tc.args, analyzers.All); !slices.Equal(got, tc.want) {
			t.Errorf("expandAll(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
