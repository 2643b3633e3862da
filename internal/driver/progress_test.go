package driver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStatusLine(t *testing.T) {
	for _, tc := range []struct {
		done, total int
		current     string
		elapsed     time.Duration
		others      int
		want        string
	}{
		{0, 362, "", 0, -1, "cancelcheck: 0/362 packages"},
		{12, 362, "net/http", 14*time.Second + 300*time.Millisecond, 0, "cancelcheck: 12/362 packages, net/http (14s)"},
		{12, 362, "net/http", 2 * time.Second, 1, "cancelcheck: 12/362 packages, net/http (2s, +1 more)"},
		{1, 2, "example.com/a/very/long/import/path/that/does/not/fit/on/one/line/of/the/terminal [example.com/x.test]", 0, 0,
			"cancelcheck: 1/2 packages, …/one/line/of/the/terminal [example.com/x.test] (0s)"},
	} {
		got := statusLine(tc.done, tc.total, tc.current, tc.elapsed, tc.others, 79)
		if got != tc.want {
			t.Errorf("statusLine(%d, %d, %q, %v, %d) =\n%q, want\n%q", tc.done, tc.total, tc.current, tc.elapsed, tc.others, got, tc.want)
		}
		if len([]rune(got)) > 79 {
			t.Errorf("statusLine(…, %q, …) is %d characters long, more than 79", tc.current, len([]rune(got)))
		}
	}
}

// The status line is drawn in place (a carriage return, the line, erase
// to its end) and erased at the end; -v's lines go above it, the status
// line erased first. Without a terminal, -v prints its lines alone.
func TestProgress(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		terminal, verbose bool
		want              string
	}{
		{false, false, ""},
		{false, true, "cancelcheck: b: 1.50s (load 0.50s, analysis 1.00s)\n"},
		{true, false, "\rcancelcheck: 0/2 packages\x1b[K" +
			"\rcancelcheck: 0/2 packages, b (0s)\x1b[K" +
			"\rcancelcheck: 1/2 packages\x1b[K" +
			"\r\x1b[K"},
		{true, true, "\rcancelcheck: 0/2 packages\x1b[K" +
			"\rcancelcheck: 0/2 packages, b (0s)\x1b[K" +
			"\r\x1b[Kcancelcheck: b: 1.50s (load 0.50s, analysis 1.00s)\n" +
			"\rcancelcheck: 1/2 packages\x1b[K" +
			"\r\x1b[K"},
	} {
		var b strings.Builder
		p := newProgress(&b, tc.terminal, tc.verbose)
		p.now = func() time.Time { return clock }
		p.begin(2)
		p.start("b")
		p.finish("b", 500*time.Millisecond, time.Second)
		p.end()
		if got := b.String(); got != tc.want {
			t.Errorf("terminal %v, verbose %v: wrote\n%q, want\n%q", tc.terminal, tc.verbose, got, tc.want)
		}
	}
}

// Files and the null device are not terminals (the terminal case is
// tested with a pseudo-terminal where the system has them).
func TestIsTerminalNot(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for _, f := range []*os.File{f, null, nil} {
		if isTerminal(f) {
			t.Errorf("isTerminal(%v) = true", f.Name())
		}
	}
}
