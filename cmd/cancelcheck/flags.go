package main

import (
	"strings"

	"golang.org/x/tools/go/analysis"
)

// expandAll turns a -all flag (which the analysis drivers keep only as a
// no-op for old vet scripts) into -<rule>.all for every analyzer that has
// an all flag, so that `go vet -vettool=cancelcheck -all ./...` and
// `cancelcheck -all -fix ./...` do what they say (the standalone
// command's own driver reads -all itself). Only flags before the first
// argument that is not a flag are looked at.
func expandAll(args []string, suite []*analysis.Analyzer) []string {
	out := []string{args[0]}
	for i := 1; i < len(args); i++ {
		arg := args[i]
		if arg == "--" || !strings.HasPrefix(arg, "-") {
			return append(out, args[i:]...)
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if name != "all" {
			out = append(out, arg)
			continue
		}
		if !hasValue {
			value = "true"
		}
		for _, a := range suite {
			if a.Flags.Lookup("all") != nil {
				out = append(out, "-"+a.Name+".all="+value)
			}
		}
	}
	return out
}
