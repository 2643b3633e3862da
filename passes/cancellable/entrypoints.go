package cancellable

import (
	"fmt"
	"regexp"
	"strings"
)

// entryPoints is the value of the pass's -entrypoints flag: directives
// besides //cancelcheck:cancellable that mark a cancellable entry point,
// for code bases that mark their request handlers with a directive of
// their own. It is a flag of the fact pass, not of each rule, because the
// entry points are part of the facts every rule reads; drivers expose it
// as a flag of their own (cancelcheck -entrypoints, the golangci-lint
// plugin's entrypoints setting).
var entryPoints directiveList

func init() {
	Analyzer.Flags.Var(&entryPoints, "entrypoints",
		"comma-separated `directives` that also mark a cancellable entry point, as //cancelcheck:cancellable does (for example //api:handler)")
}

// directiveList is a flag.Value: a comma-separated list of directives.
// Set replaces the list, so that setting the same flag twice is harmless.
type directiveList []string

// directiveSyntax is a directive comment as Go spells them (//go:noinline,
// //lint:ignore): no space after the slashes, a name, a colon, a word.
var directiveSyntax = regexp.MustCompile(`^//[a-z0-9]+(?:[-.][a-z0-9]+)*:[A-Za-z0-9][-A-Za-z0-9_.]*$`)

func (l *directiveList) String() string { return strings.Join(*l, ",") }

func (l *directiveList) Set(s string) error {
	var list directiveList
	for d := range strings.SplitSeq(s, ",") {
		d = strings.TrimSpace(d)
		switch {
		case d == "":
			continue
		case !directiveSyntax.MatchString(d):
			return fmt.Errorf("%q is not a directive: write it as Go directives are written, //name:word with no space (for example //api:handler)", d)
		case strings.HasPrefix(d, dirPrefix):
			return fmt.Errorf("%q: the %s directives are cancelcheck's own; give a directive of your code base", d, dirPrefix)
		}
		list = append(list, d)
	}
	*l = list
	return nil
}

// marksEntryPoint reports whether a comment is one of the extra entry-point
// directives (what follows the directive on its line is ignored).
func (l directiveList) marksEntryPoint(text string) bool {
	for _, d := range l {
		if rest, ok := strings.CutPrefix(text, d); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return true
		}
	}
	return false
}
