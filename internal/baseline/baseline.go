// Package baseline records a codebase's findings so that a gate can fail
// on new findings only: the way to adopt a checker on a large codebase
// without fixing everything first.
//
// A finding is identified by its Key: rule, file, enclosing function and
// message, never its line, so that edits that move code around do not
// turn recorded findings into new ones. The same Key may occur several
// times (two identical mistakes in one function); the baseline records how
// many times, and only occurrences beyond that count are new.
package baseline

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/token"
	"io"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
)

// FormatVersion is the version of the file format that Write writes and
// Read accepts.
const FormatVersion = 1

// Key identifies a finding independently of line numbers.
type Key struct {
	Rule string `json:"rule"`
	// File is the file's package path and base name:
	// "example.com/feeds/api/api.go". It does not depend on where the
	// module is checked out or on the directory the tool runs in.
	File string `json:"file"`
	// Func is the declaration that contains the finding: "OnGet",
	// "Server.OnGet"; "" outside any function.
	Func string `json:"func"`
	// Message is the finding's message with the line and column numbers
	// of the positions it mentions removed (see NormalizeMessage).
	Message string `json:"message"`
}

// MakeKey returns the Key of a finding of rule at pos, in a file of the
// package with import path pkgPath whose syntax trees are files.
func MakeKey(rule, pkgPath string, fset *token.FileSet, files []*ast.File, pos token.Pos, message string) Key {
	return Key{
		Rule:    rule,
		File:    pkgPath + "/" + path.Base(fset.Position(pos).Filename),
		Func:    EnclosingFunc(files, pos),
		Message: NormalizeMessage(message),
	}
}

// Fingerprint returns a stable identity for the n-th occurrence (from 0)
// of the key, for consumers that track findings across runs (SARIF's
// partialFingerprints).
func (k Key) Fingerprint(n int) string {
	h := sha256.New()
	for _, s := range []string{k.Rule, k.File, k.Func, k.Message, strconv.Itoa(n)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// goPosition matches the line (and column) after a Go file name, as
// messages that name a position in another file carry them.
var goPosition = regexp.MustCompile(`\.go:\d+(:\d+)?`)

// NormalizeMessage removes the line and column numbers of the positions a
// message mentions ("at example.com/x/store.go:50:3" becomes "at
// example.com/x/store.go"), so that the message does not change when the
// code it points at moves.
func NormalizeMessage(message string) string {
	return goPosition.ReplaceAllString(message, ".go")
}

// EnclosingFunc names the function declaration among files that contains
// pos: "Name" or "Recv.Name" for a method; "" if none does. A function
// literal belongs to the declaration it is written in.
func EnclosingFunc(files []*ast.File, pos token.Pos) string {
	for _, f := range files {
		if pos < f.FileStart || pos > f.FileEnd {
			continue
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || pos < fd.Pos() || pos > fd.End() {
				continue
			}
			if fd.Recv == nil || len(fd.Recv.List) == 0 {
				return fd.Name.Name
			}
			return recvName(fd.Recv.List[0].Type) + "." + fd.Name.Name
		}
	}
	return ""
}

// recvName returns the type name of a receiver: T for T, *T, T[P], *T[P].
func recvName(x ast.Expr) string {
	for {
		switch t := x.(type) {
		case *ast.StarExpr:
			x = t.X
		case *ast.ParenExpr:
			x = t.X
		case *ast.IndexExpr:
			x = t.X
		case *ast.IndexListExpr:
			x = t.X
		case *ast.Ident:
			return t.Name
		default:
			return "?"
		}
	}
}

// Entry is one recorded Key and how many times it occurred.
type Entry struct {
	Key
	Count int `json:"count"`
}

// Baseline is a recorded set of findings.
type Baseline struct {
	counts map[Key]int
}

// New records the given findings.
func New(keys []Key) *Baseline {
	b := &Baseline{counts: make(map[Key]int)}
	for _, k := range keys {
		b.counts[k]++
	}
	return b
}

// Len returns the number of findings recorded.
func (b *Baseline) Len() int {
	n := 0
	for _, c := range b.counts {
		n += c
	}
	return n
}

// file is the JSON form of a baseline.
type file struct {
	Comment  string  `json:"comment,omitempty"`
	Version  int     `json:"version"`
	Findings []Entry `json:"findings"`
}

const comment = "cancelcheck baseline: findings recorded with -baseline-write; -baseline FILE reports only findings not listed here."

// Write writes the baseline as JSON, its entries sorted, so that the file
// is the same for the same findings and diffs well under version control.
func (b *Baseline) Write(w io.Writer) error {
	f := file{Comment: comment, Version: FormatVersion, Findings: []Entry{}}
	for k, c := range b.counts {
		f.Findings = append(f.Findings, Entry{Key: k, Count: c})
	}
	slices.SortFunc(f.Findings, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Func, b.Func),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Message, b.Message))
	})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Read reads a baseline that Write wrote.
func Read(r io.Reader) (*Baseline, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a cancelcheck baseline: %v", err)
	}
	if f.Version != FormatVersion {
		return nil, fmt.Errorf("baseline format version %d, want %d (rewrite it with -baseline-write)", f.Version, FormatVersion)
	}
	b := &Baseline{counts: make(map[Key]int)}
	for _, e := range f.Findings {
		if e.Count < 1 {
			return nil, fmt.Errorf("baseline entry %+v: count %d, want at least 1", e.Key, e.Count)
		}
		b.counts[e.Key] += e.Count
	}
	return b, nil
}

// A Matcher tells recorded findings from new ones.
type Matcher struct {
	left map[Key]int
}

// Matcher returns a Matcher over the baseline's findings.
func (b *Baseline) Matcher() *Matcher {
	return &Matcher{left: maps.Clone(b.counts)}
}

// Recorded reports whether a finding with key k is in the baseline, and
// uses up one of its recorded occurrences: call it once per finding, in a
// stable order (by position), so that the occurrences beyond the recorded
// count are the new ones.
func (m *Matcher) Recorded(k Key) bool {
	if m.left[k] == 0 {
		return false
	}
	m.left[k]--
	return true
}
