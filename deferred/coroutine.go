package deferred

import (
	"iter"
	"sync"
	"time"
)

// A job is what a coroutine runs: one async function.
type job interface {
	run()    // runs the function, on the coroutine
	finish() // fires the Run Deferred, on the driver, once run has returned
}

// A coroutine is a goroutine that runs async functions one after the other
// and switches with the goroutine that drives it, as iter.Pull does: only
// one of the two runs at a time. A coroutine whose function has returned
// waits, idle, for the next Run to give it another one, so that a Run
// costs no new goroutine. Idle coroutines that stay unused for a while
// end (see sweepIdle), and StopIdleCoroutines ends them at once.
type coroutine struct {
	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool
	job   job    // the function to run; set by the driver before resume
	done  bool   // job has returned; set on the coroutine before it yields
	since uint64 // the sweep count when it became idle
}

// loop is the coroutine's body.
func (c *coroutine) loop(yield func(struct{}) bool) {
	c.yield = yield
	for {
		c.job.run()
		c.job, c.done = nil, true
		if !yield(struct{}{}) {
			return // stopped while idle
		}
	}
}

// resume switches to the coroutine until its function suspends (false) or
// returns (true).
func (c *coroutine) resume() bool {
	c.next()
	if c.done {
		c.done = false
		return true
	}
	return false
}

// suspend switches back to the driver; it is called on the coroutine.
func (c *coroutine) suspend() {
	if !c.yield(struct{}{}) {
		panic("deferred: a suspended async function was stopped")
	}
}

// maxIdle bounds the idle coroutines kept for reuse, and idleFor is how
// long one stays idle before its goroutine ends.
const (
	maxIdle = 64
	idleFor = 50 * time.Millisecond
)

var idle struct {
	mu      sync.Mutex
	cs      []*coroutine // the most recently idle last
	sweeps  uint64
	sweeper *time.Timer // runs sweepIdle while cs is not empty
}

func getCoroutine() *coroutine {
	idle.mu.Lock()
	if n := len(idle.cs); n > 0 {
		c := idle.cs[n-1]
		idle.cs[n-1] = nil
		idle.cs = idle.cs[:n-1]
		idle.mu.Unlock()
		return c
	}
	idle.mu.Unlock()
	c := &coroutine{}
	c.next, c.stop = iter.Pull(c.loop)
	return c
}

func putCoroutine(c *coroutine) {
	idle.mu.Lock()
	if len(idle.cs) >= maxIdle {
		idle.mu.Unlock()
		c.stop()
		return
	}
	c.since = idle.sweeps
	idle.cs = append(idle.cs, c)
	if idle.sweeper == nil {
		idle.sweeper = time.AfterFunc(idleFor, sweepIdle)
	} else if len(idle.cs) == 1 {
		idle.sweeper.Reset(idleFor)
	}
	idle.mu.Unlock()
}

// sweepIdle ends the coroutines that have been idle since before the last
// sweep (for between one and two idleFor), and comes back while some are
// left.
func sweepIdle() {
	idle.mu.Lock()
	idle.sweeps++
	n := 0 // the stale ones come first
	for n < len(idle.cs) && idle.cs[n].since+1 < idle.sweeps {
		n++
	}
	stale := make([]*coroutine, n)
	copy(stale, idle.cs)
	idle.cs = append(idle.cs[:0], idle.cs[n:]...)
	clear(idle.cs[len(idle.cs):cap(idle.cs)])
	if len(idle.cs) > 0 {
		idle.sweeper.Reset(idleFor)
	}
	idle.mu.Unlock()
	for _, c := range stale {
		c.stop()
	}
}

// StopIdleCoroutines ends the goroutines of the coroutines that wait, idle,
// to run the next async function (they end by themselves after a short
// while). Tests that count goroutines to find leaks call it first: after
// it, a goroutine running package deferred's code belongs to an async
// function that is suspended, or running.
func StopIdleCoroutines() {
	idle.mu.Lock()
	cs := idle.cs
	idle.cs = nil
	idle.mu.Unlock()
	for _, c := range cs {
		c.stop()
	}
}
