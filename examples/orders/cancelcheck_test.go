package orders_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	// What the binary is built from: go test then runs this test again
	// when an analyzer changes, instead of reporting a stale cached ok.
	_ "github.com/cancelcheck/cancelcheck/analyzers"
	_ "github.com/cancelcheck/cancelcheck/internal/driver"
)

// want are the findings of cancelcheck on the example, as "rule file:line":
// one per hazard, and none in the correct code.
var want = []string{
	"ctxerrcompare api_bad.go:34",    // err == context.Canceled
	"ctxerrcompare api_bad.go:50",    // strings.Contains(err.Error(), "context deadline exceeded")
	"ctxbackground api_bad.go:78",    // go a.audit(r.Context(), ...)
	"ctxbackground api_bad.go:97",    // the same, in a helper given r.Context()
	"ctxshared inventory_bad.go:48",  // singleflight.Group.Do under the first caller's ctx
	"ctxswallow inventory_bad.go:25", // return 0, nil after <-ctx.Done()
	"ctxswallow inventory_bad.go:35", // a retry with a blind backoff
	"ctxerrwrap store_bad.go:20",     // fmt.Errorf with %v
	"ctxswallow store_bad.go:43",     // partial rows after a cancellation, nil error
	"ctxerrwrap store_bad.go:66",     // MultiError without Unwrap
	"ctxswallow store_bad.go:81",     // a retry loop blind to its context
}

var finding = regexp.MustCompile(`^(\S+):(\d+):\d+: (\w+): `)

// TestCancelcheckFindings runs cancelcheck on the example, as the README's
// `go run ./cmd/cancelcheck ./examples/...` does, and checks that it
// reports every hazard, each with why below it, and nothing else, and
// exits with status 1.
func TestCancelcheckFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cancelcheck and analyses the example from source")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "cancelcheck")
	build := exec.Command(goCmd, "build", "-o", bin, "./cmd/cancelcheck")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/cancelcheck: %v\n%s", err, out)
	}
	run := exec.Command(bin, "./examples/orders/...")
	run.Dir = root
	out, err := run.CombinedOutput()
	if code := run.ProcessState.ExitCode(); code != 1 {
		t.Errorf("cancelcheck ./examples/orders/... exited with %d (%v), want 1 (findings)\n%s", code, err, out)
	}
	var got []string
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, line := range lines {
		if _, msg, _ := strings.Cut(line, ": "); strings.HasPrefix(msg, "\t") {
			continue
		}
		m := finding.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("unexpected output line: %s", line)
			continue
		}
		got = append(got, m[3]+" "+filepath.Base(m[1])+":"+m[2])
		if i+1 >= len(lines) || !strings.Contains(lines[i+1], ": \t") {
			t.Errorf("finding without why below it: %s", line)
		}
	}
	slices.Sort(got)
	w := slices.Clone(want)
	slices.Sort(w)
	if !slices.Equal(got, w) {
		t.Errorf("findings:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(w, "\n\t"))
	}
}
