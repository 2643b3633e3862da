package synth

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"lower": strings.ToLower,
}).ParseFS(templateFS, "templates/*.tmpl"))

// A domain is one layered part of the module: model, store, service, api.
type domain struct {
	Mod      string // module path
	Name     string // package directory and prefix: "billing"
	Tier     int    // 1 + the highest tier of the domains it uses
	Entities []*entity
	Deps     []*domain // domains whose services this one's service calls
	Utils    []*util   // utility packages its model uses
	Hazard   string    // the rule of the hazard planted in its api, or ""
	Variant  int       // chooses between equivalent correct forms
}

// An entity is one kind of record of a domain, with its code in every layer.
type entity struct {
	D      *domain
	Name   string // "Invoice"
	Lower  string // "invoice"
	Plural string // "Invoices"
	Var    string // field of the store holding them: "invoices"
	Fields []field
	Dep    *entity // the entity of another domain it looks its owner up in, or nil
	Delay  bool    // Refresh waits through DelayCancellation
}

// A field is an optional field of an entity's record.
type field struct {
	Name, Type, JSON string
}

// Kind is the field's kind, for the templates.
func (f field) Kind() string {
	switch f.Type {
	case "string":
		return "string"
	case "int", "int64":
		return "int"
	case "float64":
		return "float"
	case "bool":
		return "bool"
	case "[]string":
		return "strings"
	case "time.Time":
		return "time"
	case "map[string]string":
		return "map"
	}
	panic("synth: unknown field type " + f.Type)
}

// Sortable reports whether records are ordered by the field.
func (f field) Sortable() bool {
	switch f.Kind() {
	case "string", "int", "float", "time":
		return true
	}
	return false
}

// DepAlias is the import name of a dependency's service package.
func (d *domain) DepAlias() string { return d.Name + "svc" }

var domainNames = strings.Fields(`accounts billing catalog devices events feeds
groups inventory ledger media notifications orders payments quotas reports
search sessions shipping tickets users wallets alerts audit backups calendar
chat compliance contracts datasets deploys directory documents email
experiments files fleet forms geo identity imports invites jobs keys labels
licensing logs maps marketing metrics moderation onboarding partners pricing
profiles projects promotions ratings referrals refunds releases reviews risk
roles routing schedules secrets segments settings storage support surveys
teams templates tenants translations trust uploads usage vendors webhooks
workflows`)

var entityNames = strings.Fields(`Invoice Payment Item Record Profile Session
Device Event Ticket Order Report Message Channel Comment Document Folder Group
Member Permission Plan Product Project Quota Rule Schedule Shipment
Subscription Tag Token Upload Vendor Webhook Widget Zone Label Note Receipt
Refund Review Role Route Segment Signal Snapshot Stream Survey Template Topic
Trigger Unit Venue Visit Volume Badge Bundle Campaign Contract Coupon
Dataset Deployment Draft Feature Invite Job Key License Metric Notice Offer
Policy Release Request Secret Setting Team Tenant Tier Vote Warning`)

var fieldPool = []field{
	{"Title", "string", "title"},
	{"Description", "string", "description"},
	{"Region", "string", "region"},
	{"Email", "string", "email"},
	{"Status", "string", "status"},
	{"Tags", "[]string", "tags"},
	{"Aliases", "[]string", "aliases"},
	{"Amount", "int64", "amount"},
	{"Count", "int", "count"},
	{"Priority", "int", "priority"},
	{"Version", "int", "version"},
	{"Score", "float64", "score"},
	{"Weight", "float64", "weight"},
	{"Created", "time.Time", "created"},
	{"Updated", "time.Time", "updated"},
	{"Expires", "time.Time", "expires"},
	{"Enabled", "bool", "enabled"},
	{"Archived", "bool", "archived"},
	{"Labels", "map[string]string", "labels"},
	{"Attributes", "map[string]string", "attributes"},
}

// maxTier bounds the chains of services calling each other.
const maxTier = 4

func (g *generator) newDomain() *domain {
	i := len(g.domains)
	name := domainNames[i%len(domainNames)]
	if round := i / len(domainNames); round > 0 {
		name = fmt.Sprintf("%s%d", name, round+1)
	}
	d := &domain{Mod: g.cfg.Module, Name: name, Tier: 1, Variant: g.rng.IntN(2)}
	if n := g.cfg.HazardEvery; n > 0 && i%n == 0 {
		d.Hazard = Rules[(i/n)%len(Rules)]
	}

	// Up to two earlier domains below the top tier, preferring recent ones.
	var candidates []*domain
	for _, c := range g.domains {
		if c.Tier < maxTier {
			candidates = append(candidates, c)
		}
	}
	for range g.rng.IntN(3) {
		if len(candidates) == 0 {
			break
		}
		c := candidates[len(candidates)-1-g.rng.IntN(min(len(candidates), 6))]
		if !slices.Contains(d.Deps, c) {
			d.Deps = append(d.Deps, c)
			d.Tier = max(d.Tier, c.Tier+1)
		}
	}
	// Utility packages of distinct kinds (their helpers have the same
	// names), always the newest one.
	for i := len(g.utils) - 1; i >= 0; i-- {
		u := g.utils[i]
		if (i == len(g.utils)-1 || g.rng.IntN(3) == 0) && !slices.ContainsFunc(d.Utils, func(v *util) bool { return v.Kind == u.Kind }) {
			d.Utils = append(d.Utils, u)
		}
	}

	used := make(map[string]bool)
	for range 2 + g.rng.IntN(3) {
		e := &entity{D: d, Delay: g.rng.IntN(2) == 0}
		for e.Name == "" || used[e.Name] {
			e.Name = entityNames[g.rng.IntN(len(entityNames))]
		}
		used[e.Name] = true
		e.Lower = strings.ToLower(e.Name[:1]) + e.Name[1:]
		e.Plural = e.Name + "s"
		e.Var = strings.ToLower(e.Plural)
		for _, j := range g.rng.Perm(len(fieldPool))[:2+g.rng.IntN(5)] {
			e.Fields = append(e.Fields, fieldPool[j])
		}
		if len(d.Deps) > 0 && g.rng.IntN(4) != 0 {
			dep := d.Deps[g.rng.IntN(len(d.Deps))]
			e.Dep = dep.Entities[g.rng.IntN(len(dep.Entities))]
		}
		d.Entities = append(d.Entities, e)
	}
	g.domains = append(g.domains, d)
	return d
}

// UsesDep reports whether some entity of d looks its owner up in dep.
func (d *domain) UsesDep(dep *domain) bool {
	for _, e := range d.Entities {
		if e.Dep != nil && e.Dep.D == dep {
			return true
		}
	}
	return false
}

// entryPoints counts the domain's cancellable entry points: five
// Cancellable handlers and one //cancelcheck:cancellable method per entity,
// and the planted hazard's handler.
func (d *domain) entryPoints() int {
	n := 6 * len(d.Entities)
	if d.Hazard != "" {
		n++
	}
	return n
}

// files renders the domain's packages.
func (d *domain) files() (map[string][]byte, error) {
	files := make(map[string][]byte)
	render := func(name, tmpl string, data any) error {
		var b bytes.Buffer
		if err := templates.ExecuteTemplate(&b, tmpl, data); err != nil {
			return fmt.Errorf("synth: internal error: %s: %v", name, err)
		}
		files[d.Name+"/"+name] = b.Bytes()
		return nil
	}
	for _, pkg := range []string{"model", "store", "service", "api"} {
		if err := render(pkg+"/"+pkg+".go", pkg+".go.tmpl", d); err != nil {
			return nil, err
		}
		for _, e := range d.Entities {
			if err := render(pkg+"/"+e.Var+".go", pkg+"_entity.go.tmpl", e); err != nil {
				return nil, err
			}
		}
	}
	return files, nil
}

// A util is a plain utility package: it never imports the runtime.
type util struct {
	Mod  string
	Kind string // "text", "stats", "ids", "table"
	Name string // package name and directory under internal/
}

var utilKinds = []struct{ kind, name string }{
	{"text", "textutil"},
	{"stats", "stats"},
	{"ids", "ids"},
	{"table", "table"},
}

func (g *generator) newUtil() *util {
	i := len(g.utils)
	k := utilKinds[i%len(utilKinds)]
	name := k.name
	if round := i / len(utilKinds); round > 0 {
		name = fmt.Sprintf("%s%d", name, round+1)
	}
	u := &util{Mod: g.cfg.Module, Kind: k.kind, Name: name}
	g.utils = append(g.utils, u)
	return u
}

func (u *util) files() (map[string][]byte, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "util_"+u.Kind+".go.tmpl", u); err != nil {
		return nil, fmt.Errorf("synth: internal error: %s: %v", u.Name, err)
	}
	return map[string][]byte{"internal/" + u.Name + "/" + u.Name + ".go": b.Bytes()}, nil
}

func (g *generator) mainFile() ([]byte, error) {
	var b bytes.Buffer
	data := struct {
		Mod     string
		Domains []*domain
	}{g.cfg.Module, g.domains}
	if err := templates.ExecuteTemplate(&b, "main.go.tmpl", data); err != nil {
		return nil, fmt.Errorf("synth: internal error: main: %v", err)
	}
	return b.Bytes(), nil
}

// JSON returns the manifest as indented JSON.
func (m Manifest) JSON() ([]byte, error) {
	js, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		return nil, err
	}
	return append(js, '\n'), nil
}
