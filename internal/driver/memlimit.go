package driver

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
)

// minMemoryLimit is the least soft memory limit limitMemory sets: below
// it, the collector's own pacing is left alone.
const minMemoryLimit = 128 << 20

// limitMemory sets a soft memory limit (debug.SetMemoryLimit) that
// follows the run: half as much again as the largest live heap measured
// so far (at least minMemoryLimit), raised as that grows. It returns the
// function that stops it and restores the limit. The collector's pacing
// (GOGC) lets the heap grow to twice what the last collection left
// live: at a large run's peak, that headroom is as large as the live
// heap, while the packages in flight are about to end and be dropped.
// With the limit, the heap at the peak grows by half at most; below the
// peak the limit does not bind and GOGC paces the collector as before,
// so the extra collections come only near the peak (GOGC=50 for the
// whole run costs a third more CPU on spicedb for the same peak). A
// GOMEMLIMIT of the user's is left as it is.
func limitMemory() (stop func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	factor := 1.5
	if f, err := strconv.ParseFloat(os.Getenv("CANCELCHECK_MEMFACTOR"), 64); err == nil {
		factor = f
	}
	prev := debug.SetMemoryLimit(-1)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var largest uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if live := sample[0].Value.Uint64(); live > largest {
				largest = live
				debug.SetMemoryLimit(max(int64(float64(largest)*factor), minMemoryLimit))
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		debug.SetMemoryLimit(prev)
	}
}
