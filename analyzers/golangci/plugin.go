// Package golangci registers the cancelcheck suite as a golangci-lint v2
// module plugin named "cancelcheck". Build a golangci-lint that includes
// it with `golangci-lint custom` and enable it in .golangci.yml:
//
//	linters:
//	  enable: [cancelcheck]
//	  settings:
//	    custom:
//	      cancelcheck:
//	        type: module
//	        settings:
//	          rules: [swallowedcancel, firsterror] # default: every rule
//	          all: false                           # true: also problems no entry point reaches
//	          entrypoints: ["//api:handler"]       # directives that also mark an entry point
//
// See docs/integrations.md. Findings are golangci-lint issues of the
// linter "cancelcheck", so //nolint:cancelcheck suppresses them, as well
// as cancelcheck's own //cancelcheck:ignore <rule> <reason>.
//
// This package is a module of its own, so that golangci-lint's
// registration API stays out of the dependencies of the main module,
// which programs that use the runtime import.
package golangci

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/cancelcheck/cancelcheck/analyzers"
	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

// Name is the plugin's name: the key under linters.settings.custom in
// .golangci.yml, the linter name in findings, and the name //nolint takes.
const Name = "cancelcheck"

func init() {
	register.Plugin(Name, New)
}

// Settings are the plugin's settings (linters.settings.custom.cancelcheck.settings).
// Any other key is an error.
type Settings struct {
	// Rules lists the rules to run, by name; empty runs them all.
	Rules []string `json:"rules"`
	// All also reports the problems that no cancellable entry point
	// reaches, for libraries whose entry points live elsewhere (every
	// rule's -all flag).
	All bool `json:"all"`
	// EntryPoints lists directives that also mark a cancellable entry
	// point, as //cancelcheck:cancellable does (the -entrypoints flag).
	EntryPoints []string `json:"entrypoints"`
}

// settingNames lists the settings, for errors.
const settingNames = "rules, all and entrypoints"

// New is the plugin's constructor: it decodes and checks the settings.
func New(conf any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](conf)
	if err != nil {
		return nil, fmt.Errorf("%s: bad settings: %v (the settings are %s)", Name, err, settingNames)
	}
	p := &plugin{all: s.All, entryPoints: strings.Join(s.EntryPoints, ",")}
	if err := entryPointsFlag().Set(p.entryPoints); err != nil {
		return nil, fmt.Errorf("%s: settings.entrypoints: %v", Name, err)
	}
	for _, name := range s.Rules {
		i := slices.IndexFunc(analyzers.All, func(a *analysis.Analyzer) bool { return a.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("%s: unknown rule %q in settings.rules (the rules are %s)", Name, name, ruleNames())
		}
		if !slices.ContainsFunc(p.rules, func(a *analysis.Analyzer) bool { return a.Name == name }) {
			p.rules = append(p.rules, analyzers.All[i])
		}
	}
	if len(p.rules) == 0 {
		p.rules = slices.Clone(analyzers.All)
	}
	for i, a := range p.rules {
		p.rules[i] = unprefixed(a)
	}
	return p, nil
}

// unprefixed returns a copy of a rule whose messages do not begin with
// "<rule>: ", and whose diagnostics carry no related information.
// go vet prints no analyzer names, so cancelcheck's messages carry their
// rule's; golangci-lint adds it itself. golangci-lint (v2.15) turns each
// related position into an issue of its own, "(related information)", at
// the finding's position when it is in another file: a finding's call
// path would become as many issues, and //nolint on the finding would
// leave them. BuildAnalyzers sets the pass's -inline flag instead, so
// that the message says why the finding is wrong and names its call path.
func unprefixed(a *analysis.Analyzer) *analysis.Analyzer {
	b := *a
	prefix := a.Name + ": "
	b.Run = func(pass *analysis.Pass) (any, error) {
		p := *pass
		p.Report = func(d analysis.Diagnostic) {
			d.Message = strings.TrimPrefix(d.Message, prefix)
			d.Related = nil
			pass.Report(d)
		}
		return a.Run(&p)
	}
	return &b
}

func ruleNames() string {
	var names []string
	for _, a := range analyzers.All {
		names = append(names, a.Name)
	}
	return strings.Join(names, ", ")
}

type plugin struct {
	rules       []*analysis.Analyzer
	all         bool
	entryPoints string // checked by New
}

// entryPointsFlag is the cancellable pass's -entrypoints flag.
func entryPointsFlag() flag.Value {
	return cancellable.Analyzer.Flags.Lookup("entrypoints").Value
}

// BuildAnalyzers returns the rules to run. golangci-lint runs the fact
// pass they require on the packages' dependencies too, so problems in
// one package are reported at the entry points of another.
func (p *plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	if err := entryPointsFlag().Set(p.entryPoints); err != nil {
		return nil, fmt.Errorf("%s: settings.entrypoints: %v", Name, err)
	}
	if err := cancellable.Analyzer.Flags.Lookup("inline").Value.Set("true"); err != nil {
		return nil, fmt.Errorf("%s: -inline: %v", Name, err)
	}
	value := fmt.Sprint(p.all)
	for _, a := range p.rules {
		if f := a.Flags.Lookup("all"); f != nil {
			if err := f.Value.Set(value); err != nil {
				return nil, fmt.Errorf("%s: %s -all: %v", Name, a.Name, err)
			}
		}
	}
	return p.rules, nil
}

// GetLoadMode asks for type information: the analyzers build SSA from
// typed syntax.
func (p *plugin) GetLoadMode() string {
	return register.LoadModeTypesInfo
}
