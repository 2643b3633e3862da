// Package sarif writes analysis diagnostics as a SARIF 2.1.0 log, the
// format that code-scanning services (GitHub's among them) ingest: one
// rule per analyzer, one result per diagnostic with its region, its
// related locations as a code flow, and its suggested fixes.
//
// Only the part of SARIF that these results need is modelled. The output
// is validated against the SARIF 2.1.0 JSON schema by .ci/sarif.sh.
package sarif

import (
	"encoding/json"
	"go/token"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/tools/go/analysis"
)

// Version and Schema identify the format written.
const (
	Version = "2.1.0"
	Schema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

// SrcRoot is the base that the URIs of files under the root directory are
// relative to, as GitHub code scanning expects.
const SrcRoot = "%SRCROOT%"

// FingerprintKey names the partial fingerprint that Add records: a
// finding's identity that does not change when lines move, so that a
// code-scanning service keeps tracking the same alert.
const FingerprintKey = "cancelcheck/v1"

// Log is a SARIF log.
type Log struct {
	Version string `json:"version"`
	Schema  string `json:"$schema"`
	Runs    []Run  `json:"runs"`
}

// Run is the output of one run of one tool.
type Run struct {
	Tool               Tool                        `json:"tool"`
	OriginalURIBaseIDs map[string]ArtifactLocation `json:"originalUriBaseIds,omitempty"`
	ColumnKind         string                      `json:"columnKind"`
	Results            []Result                    `json:"results"`
}

// Tool describes the tool of a run.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool component that ran: its name and rules.
type Driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri,omitempty"`
	Rules          []Rule `json:"rules"`
}

// Rule describes one analyzer.
type Rule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     Message        `json:"shortDescription"`
	FullDescription      Message        `json:"fullDescription"`
	Help                 Message        `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration *Configuration `json:"defaultConfiguration,omitempty"`
}

// Configuration is a rule's default configuration: its level.
type Configuration struct {
	Level string `json:"level"`
}

// Message is a plain-text message.
type Message struct {
	Text string `json:"text"`
}

// Result is one finding.
type Result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             Message           `json:"message"`
	Locations           []Location        `json:"locations"`
	RelatedLocations    []Location        `json:"relatedLocations,omitempty"`
	CodeFlows           []CodeFlow        `json:"codeFlows,omitempty"`
	Fixes               []Fix             `json:"fixes,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	BaselineState       string            `json:"baselineState,omitempty"`
}

// Location is a place in a file, with a message for related locations.
type Location struct {
	ID               int              `json:"id,omitempty"`
	PhysicalLocation PhysicalLocation `json:"physicalLocation"`
	Message          *Message         `json:"message,omitempty"`
}

// PhysicalLocation is a region of a file.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Region           *Region          `json:"region,omitempty"`
}

// ArtifactLocation names a file: a URI, relative to URIBaseID when set.
type ArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// Region is a range of a text file: 1-based lines, and 1-based columns
// counted in UTF-16 code units (the run's columnKind).
type Region struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

// CodeFlow is a path through the code that leads to a result.
type CodeFlow struct {
	ThreadFlows []ThreadFlow `json:"threadFlows"`
}

// ThreadFlow is the sequence of locations of a CodeFlow.
type ThreadFlow struct {
	Locations []ThreadFlowLocation `json:"locations"`
}

// ThreadFlowLocation is one step of a ThreadFlow.
type ThreadFlowLocation struct {
	Location Location `json:"location"`
}

// Fix is a suggested fix: edits to one or more files.
type Fix struct {
	Description     Message          `json:"description"`
	ArtifactChanges []ArtifactChange `json:"artifactChanges"`
}

// ArtifactChange is the edits of a Fix to one file.
type ArtifactChange struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
	Replacements     []Replacement    `json:"replacements"`
}

// Replacement replaces a region (empty for an insertion) with new text.
type Replacement struct {
	DeletedRegion   Region           `json:"deletedRegion"`
	InsertedContent *ArtifactContent `json:"insertedContent,omitempty"`
}

// ArtifactContent is inserted text.
type ArtifactContent struct {
	Text string `json:"text"`
}

// ToolInfo identifies the program that writes the log.
type ToolInfo struct {
	Name           string
	Version        string // omitted when empty
	InformationURI string
}

// A Builder collects results into a log with one run.
type Builder struct {
	run      Run
	root     string // absolute, cleaned; "" if none
	index    map[string]int
	readFile func(string) ([]byte, error)
	files    map[string][]byte
}

// NewBuilder returns a Builder for a run of tool with one rule per
// analyzer. Files under root (an absolute directory, typically the
// repository's checkout) are named relative to %SRCROOT%, which the log
// maps to root; others by absolute file URI. readFile reads source files
// to count columns in UTF-16 code units; when it fails, byte columns are
// used.
func NewBuilder(tool ToolInfo, analyzers []*analysis.Analyzer, root string, readFile func(string) ([]byte, error)) *Builder {
	b := &Builder{
		run: Run{
			Tool: Tool{Driver: Driver{
				Name:           tool.Name,
				Version:        tool.Version,
				InformationURI: tool.InformationURI,
				Rules:          []Rule{},
			}},
			ColumnKind: "utf16CodeUnits",
			Results:    []Result{},
		},
		index:    make(map[string]int),
		readFile: readFile,
		files:    make(map[string][]byte),
	}
	if root != "" {
		b.root = filepath.Clean(root)
		b.run.OriginalURIBaseIDs = map[string]ArtifactLocation{
			SrcRoot: {URI: fileURI(b.root) + "/"},
		}
	}
	for _, a := range analyzers {
		b.index[a.Name] = len(b.run.Tool.Driver.Rules)
		b.run.Tool.Driver.Rules = append(b.run.Tool.Driver.Rules, rule(a))
	}
	return b
}

// rule describes an analyzer: its Doc's first line is the short
// description, the rest the full one.
func rule(a *analysis.Analyzer) Rule {
	short, full, _ := strings.Cut(strings.TrimSpace(a.Doc), "\n")
	full = strings.TrimSpace(full)
	if full == "" {
		full = short
	}
	return Rule{
		ID:                   a.Name,
		Name:                 a.Name,
		ShortDescription:     Message{Text: short},
		FullDescription:      Message{Text: full},
		Help:                 Message{Text: a.Doc},
		HelpURI:              a.URL,
		DefaultConfiguration: &Configuration{Level: "error"},
	}
}

// A Finding is one diagnostic to add.
type Finding struct {
	Rule        string // the analyzer's name; it must be one of the Builder's
	Fset        *token.FileSet
	Diagnostic  analysis.Diagnostic
	Fingerprint string // recorded as partialFingerprints[FingerprintKey] when set
	New         bool   // set baselineState "new" (the log compares with a baseline)
}

// Add adds a finding as a result. Its related information becomes the
// result's related locations and, in order, a code flow that ends at the
// result (unless the flow passes through it already: a finding reported
// at a call for a problem elsewhere); its suggested fixes become fixes.
func (b *Builder) Add(f Finding) {
	d := f.Diagnostic
	r := Result{
		RuleID:    f.Rule,
		RuleIndex: b.index[f.Rule],
		Level:     "error",
		Message:   Message{Text: d.Message},
		Locations: []Location{b.location(f.Fset, d.Pos, d.End, "")},
	}
	if len(d.Related) > 0 {
		var flow ThreadFlow
		atResult := false // the flow passes through the result's location
		for i, rel := range d.Related {
			loc := b.location(f.Fset, rel.Pos, rel.End, rel.Message)
			loc.ID = i + 1
			r.RelatedLocations = append(r.RelatedLocations, loc)
			loc.ID = 0
			flow.Locations = append(flow.Locations, ThreadFlowLocation{Location: loc})
			atResult = atResult || rel.Pos == d.Pos
		}
		if !atResult {
			// The related information leads to the result, which ends the flow.
			flow.Locations = append(flow.Locations, ThreadFlowLocation{Location: b.location(f.Fset, d.Pos, d.End, d.Message)})
		}
		r.CodeFlows = []CodeFlow{{ThreadFlows: []ThreadFlow{flow}}}
	}
	for _, fix := range d.SuggestedFixes {
		if fx := b.fix(f.Fset, fix); len(fx.ArtifactChanges) > 0 {
			r.Fixes = append(r.Fixes, fx)
		}
	}
	if f.Fingerprint != "" {
		r.PartialFingerprints = map[string]string{FingerprintKey: f.Fingerprint}
	}
	if f.New {
		r.BaselineState = "new"
	}
	b.run.Results = append(b.run.Results, r)
}

func (b *Builder) location(fset *token.FileSet, pos, end token.Pos, message string) Location {
	loc := Location{PhysicalLocation: PhysicalLocation{Region: b.region(fset, pos, end)}}
	loc.PhysicalLocation.ArtifactLocation = b.artifact(fset.Position(pos).Filename)
	if message != "" {
		loc.Message = &Message{Text: message}
	}
	return loc
}

// region converts pos..end (end may be invalid: a point) to a Region.
func (b *Builder) region(fset *token.FileSet, pos, end token.Pos) *Region {
	start := fset.Position(pos)
	stop := fset.Position(end)
	if !end.IsValid() || stop.Filename != start.Filename || stop.Offset < start.Offset {
		stop = start
	}
	if start.Line == 0 {
		return nil
	}
	return &Region{
		StartLine:   start.Line,
		StartColumn: b.column(start),
		EndLine:     stop.Line,
		EndColumn:   b.column(stop),
	}
}

// column returns posn's column in UTF-16 code units (1-based).
func (b *Builder) column(posn token.Position) int {
	if posn.Column == 0 {
		return 1
	}
	src, ok := b.files[posn.Filename]
	if !ok && b.readFile != nil {
		var err error
		if src, err = b.readFile(posn.Filename); err != nil {
			src = nil
		}
		b.files[posn.Filename] = src
	}
	lineStart := posn.Offset - (posn.Column - 1)
	if src == nil || lineStart < 0 || posn.Offset > len(src) {
		return posn.Column
	}
	n := 0
	for _, r := range string(src[lineStart:posn.Offset]) {
		if r >= 0x10000 && r != utf8.RuneError {
			n += 2
		} else {
			n++
		}
	}
	return n + 1
}

func (b *Builder) fix(fset *token.FileSet, fix analysis.SuggestedFix) Fix {
	out := Fix{Description: Message{Text: fix.Message}}
	byFile := make(map[string]int)
	for _, e := range fix.TextEdits {
		end := e.End
		if !end.IsValid() {
			end = e.Pos
		}
		region := b.region(fset, e.Pos, end)
		if region == nil {
			continue // no position: nothing a consumer could apply
		}
		rep := Replacement{DeletedRegion: *region}
		if len(e.NewText) > 0 {
			rep.InsertedContent = &ArtifactContent{Text: string(e.NewText)}
		}
		file := fset.Position(e.Pos).Filename
		i, ok := byFile[file]
		if !ok {
			i = len(out.ArtifactChanges)
			byFile[file] = i
			out.ArtifactChanges = append(out.ArtifactChanges, ArtifactChange{ArtifactLocation: b.artifact(file)})
		}
		out.ArtifactChanges[i].Replacements = append(out.ArtifactChanges[i].Replacements, rep)
	}
	return out
}

// artifact names a file: relative to %SRCROOT% under the root, else by
// absolute file URI.
func (b *Builder) artifact(file string) ArtifactLocation {
	if b.root != "" {
		if rel, err := filepath.Rel(b.root, file); err == nil && filepath.IsLocal(rel) {
			return ArtifactLocation{URI: (&url.URL{Path: filepath.ToSlash(rel)}).String(), URIBaseID: SrcRoot}
		}
	}
	return ArtifactLocation{URI: fileURI(file)}
}

func fileURI(path string) string {
	path = filepath.ToSlash(path)
	if !strings.HasPrefix(path, "/") {
		path = "/" + path // a Windows drive: file:///C:/...
	}
	return (&url.URL{Scheme: "file", Path: path}).String()
}

// Log returns the log built so far.
func (b *Builder) Log() *Log {
	return &Log{Version: Version, Schema: Schema, Runs: []Run{b.run}}
}

// Write writes the log as indented JSON.
func (l *Log) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(l)
}
