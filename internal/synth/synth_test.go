package synth_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cancelcheck/cancelcheck/internal/synth"
)

// repoRoot is the cancelcheck module, the runtime the generated modules use.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func generate(t *testing.T, cfg synth.Config) *synth.Module {
	t.Helper()
	if cfg.Runtime == "" {
		cfg.Runtime = repoRoot(t)
	}
	m, err := synth.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// write writes m to a new temporary directory.
func write(t *testing.T, m *synth.Module) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mod")
	if err := m.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// goCmd runs the go command in dir and returns its combined output.
func goCmd(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  synth.Config
		want string
	}{
		{"no lines", synth.Config{Runtime: "/r"}, "Lines must be positive"},
		{"negative lines", synth.Config{Lines: -1, Runtime: "/r"}, "Lines must be positive"},
		{"no runtime", synth.Config{Lines: 100}, "Runtime"},
		{"negative hazards", synth.Config{Lines: 100, Runtime: "/r", HazardEvery: -1}, "HazardEvery"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := synth.Generate(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Generate(%+v) = %v, want an error about %s", tc.cfg, err, tc.want)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	cfg := synth.Config{Lines: 5000, Seed: 7, HazardEvery: 2}
	a, b := generate(t, cfg), generate(t, cfg)
	if !maps.EqualFunc(a.Files, b.Files, bytes.Equal) {
		t.Error("two modules generated with the same Config differ")
	}
	if !slices.Equal(a.Manifest.Hazards, b.Manifest.Hazards) {
		t.Error("two manifests generated with the same Config differ")
	}
	cfg.Seed++
	if c := generate(t, cfg); maps.EqualFunc(a.Files, c.Files, bytes.Equal) {
		t.Error("modules generated with different seeds are the same")
	}
}

func TestSize(t *testing.T) {
	// The largest domain (four entities with every field) is under 3,000
	// lines, the overshoot's bound.
	const overshoot = 3000
	prev := synth.Manifest{}
	for _, lines := range []int{2000, 8000, 32000} {
		t.Run(strconv.Itoa(lines), func(t *testing.T) {
			m := generate(t, synth.Config{Lines: lines, Seed: 1})
			got := m.Manifest
			counted := 0
			for name, src := range m.Files {
				if strings.HasSuffix(name, ".go") {
					counted += bytes.Count(src, []byte("\n"))
				}
			}
			if got.Lines != counted {
				t.Errorf("manifest says %d lines, the files have %d", got.Lines, counted)
			}
			if got.Lines < lines || got.Lines > lines+overshoot {
				t.Errorf("asked for %d lines, got %d", lines, got.Lines)
			}
			if got.Packages <= prev.Packages || got.Domains <= prev.Domains || got.EntryPoints <= prev.EntryPoints {
				t.Errorf("at %d lines: %d packages, %d domains, %d entry points; no more than at fewer lines (%+v)",
					lines, got.Packages, got.Domains, got.EntryPoints, prev)
			}
			if got.Plain == 0 || got.Plain >= got.Packages {
				t.Errorf("%d plain packages of %d: want some, not all", got.Plain, got.Packages)
			}
			prev = got
		})
	}
}

func TestWriteRefusesANonEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m := generate(t, synth.Config{Lines: 100})
	if err := m.Write(dir); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Write to a non-empty directory: %v, want an error", err)
	}
}

func TestBuildsAndVets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	dir := write(t, generate(t, synth.Config{Lines: 4000, Seed: 3, HazardEvery: 1}))
	goCmd(t, dir, "build", "./...")
	goCmd(t, dir, "vet", "./...")
}

// TestCancelcheckFindsThePlantedHazards runs the real cancelcheck on a
// module with a hazard of every rule: it reports exactly those, where the
// manifest says, and nothing in the correct code around them.
func TestCancelcheckFindsThePlantedHazards(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cancelcheck and a module")
	}
	bin := filepath.Join(t.TempDir(), "cancelcheck")
	goCmd(t, repoRoot(t), "build", "-o", bin, "./cmd/cancelcheck")
	m := generate(t, synth.Config{Lines: 9000, Seed: 5, HazardEvery: 1})
	var want []string
	for _, h := range m.Manifest.Hazards {
		want = append(want, h.Rule+" "+h.File+":"+strconv.Itoa(h.Line))
	}
	rules := make(map[string]bool)
	for _, h := range m.Manifest.Hazards {
		rules[h.Rule] = true
	}
	if len(rules) != len(synth.Rules) {
		t.Fatalf("the module has hazards of %v only, want all of %v", slices.Sorted(maps.Keys(rules)), synth.Rules)
	}
	dir := write(t, m)

	cmd := exec.Command(bin, "-json", "./...")
	cmd.Dir = dir
	out, err := cmd.Output() // exit status 1: there are findings
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("cancelcheck -json: %v\n%s", err, out)
	}
	// {"pkg": {"rule": [{"posn": "file:line:col", ...}]}}
	var findings map[string]map[string][]struct{ Posn, Message string }
	if err := json.Unmarshal(out, &findings); err != nil {
		t.Fatalf("cancelcheck -json: %v\n%s", err, out)
	}
	var got []string
	for _, byRule := range findings {
		for rule, list := range byRule {
			for _, f := range list {
				posn := strings.TrimPrefix(f.Posn, dir+string(filepath.Separator))
				fileLine := posn[:strings.LastIndex(posn, ":")]
				got = append(got, rule+" "+filepath.ToSlash(fileLine))
			}
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("cancelcheck found\n\t%s\nwant the planted hazards\n\t%s\n\n%s",
			strings.Join(got, "\n\t"), strings.Join(want, "\n\t"), out)
	}
}
