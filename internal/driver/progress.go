package driver

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress reports a run's progress on stderr: when stderr is a
// terminal, a status line redrawn in place (packages done of the total,
// the package analysed longest at the moment and for how long), erased
// at the end; with -v, a line per package with its time. Otherwise
// nothing. Its methods may be called concurrently.
type progress struct {
	w       io.Writer
	status  bool // redraw the status line: w is a terminal
	verbose bool // a line per package
	width   int  // the status line's room, in columns

	mu      sync.Mutex
	total   int
	done    int
	running map[string]time.Time // the packages being analysed, since when
	shown   bool                 // the status line is on the screen
	stop    chan struct{}        // ends the redrawing every second
	now     func() time.Time
}

// newProgress returns the progress report on w: a status line if
// terminal, a line per package if verbose.
func newProgress(w io.Writer, terminal, verbose bool) *progress {
	return &progress{w: w, status: terminal, verbose: verbose, width: 79, running: make(map[string]time.Time), now: time.Now}
}

// begin starts the report on a run of total packages.
func (p *progress) begin(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = total
	if !p.status {
		return
	}
	p.draw()
	stop := make(chan struct{})
	p.stop = stop
	tick := time.NewTicker(time.Second)
	go func() {
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				p.mu.Lock()
				p.draw()
				p.mu.Unlock()
			case <-stop:
				return
			}
		}
	}()
}

// end erases the status line.
func (p *progress) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
	p.erase()
}

func (p *progress) start(pkg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[pkg] = p.now()
	p.draw()
}

// finish records a package done, in check (parsing and type-checking)
// and analysis time.
func (p *progress) finish(pkg string, check, analysis time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, pkg)
	p.done++
	if p.verbose {
		p.erase()
		fmt.Fprintln(p.w, packageLine(pkg, check, analysis))
	}
	p.draw()
}

// draw redraws the status line, if there is one.
func (p *progress) draw() {
	if !p.status {
		return
	}
	current, since := "", time.Time{}
	for pkg, t := range p.running {
		if current == "" || t.Before(since) || t.Equal(since) && pkg < current {
			current, since = pkg, t
		}
	}
	var elapsed time.Duration
	if current != "" {
		elapsed = p.now().Sub(since)
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K", statusLine(p.done, p.total, current, elapsed, len(p.running)-1, p.width))
	p.shown = true
}

func (p *progress) erase() {
	if p.shown {
		io.WriteString(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// statusLine is the text of the status line: packages done of total,
// then the package analysed longest (and how many others are being
// analysed), its path shortened from the left to fit width columns.
func statusLine(done, total int, current string, elapsed time.Duration, others, width int) string {
	line := fmt.Sprintf("cancelcheck: %d/%d packages", done, total)
	if current == "" {
		return line
	}
	tail := fmt.Sprintf(" (%s)", elapsed.Truncate(time.Second))
	if others > 0 {
		tail = fmt.Sprintf(" (%s, +%d more)", elapsed.Truncate(time.Second), others)
	}
	line += ", "
	if room := width - len(line) - len(tail); len(current) > room {
		current = "…" + current[min(len(current)-room+1, len(current)):] // … is one column
	}
	return line + current + tail
}

// packageLine is -v's line for a package done.
func packageLine(pkg string, check, analysis time.Duration) string {
	return fmt.Sprintf("cancelcheck: %s: %s (load %s, analysis %s)", pkg, seconds(check+analysis), seconds(check), seconds(analysis))
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// isTerminal reports whether f is a terminal, for the status line.
func isTerminal(f *os.File) bool {
	return f != nil && terminal(f)
}
