// Command synth writes a synthetic module of realistic code built on the
// deferred runtime (see package synth), for measuring the analyzers:
//
//	go run ./internal/synth/cmd/synth -lines 50000 -seed 1 -o /tmp/synth50k
//
// It prints the module's manifest (also written to synth.json in the
// module) on stdout.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cancelcheck/cancelcheck/internal/synth"
)

func main() {
	lines := flag.Int("lines", 10000, "the size to reach, in lines of Go")
	seed := flag.Uint64("seed", 1, "the seed: the same flags give the same module")
	out := flag.String("o", "", "the directory to write the module to (must not exist, or be empty)")
	module := flag.String("module", "example.com/synth", "the module path")
	runtime := flag.String("runtime", "", "the directory of the cancelcheck module, for the replace directive (default: the module this command runs in)")
	hazards := flag.Int("hazard-every", 4, "plant a cancellation hazard in every n-th domain; 0: none")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: synth [flags] -o dir\n\nWrites a synthetic module of code built on the deferred runtime.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*out, synth.Config{Lines: *lines, Seed: *seed, Module: *module, Runtime: *runtime, HazardEvery: *hazards}); err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
}

func run(out string, cfg synth.Config) error {
	if cfg.Runtime == "" {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		cfg.Runtime = root
	}
	abs, err := filepath.Abs(cfg.Runtime)
	if err != nil {
		return err
	}
	cfg.Runtime = abs
	m, err := synth.Generate(cfg)
	if err != nil {
		return err
	}
	if err := m.Write(out); err != nil {
		return err
	}
	js, err := m.Manifest.JSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(js)
	return err
}

// moduleRoot finds the cancelcheck module's directory, upwards from the
// working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && isCancelcheck(data) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside the cancelcheck module: give -runtime")
		}
		dir = parent
	}
}

func isCancelcheck(gomod []byte) bool {
	first, _, _ := bytes.Cut(gomod, []byte("\n"))
	return string(bytes.TrimSpace(first)) == "module github.com/cancelcheck/cancelcheck"
}
