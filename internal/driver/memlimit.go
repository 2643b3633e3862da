package driver

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// minMemoryLimit is the least soft memory limit limitMemory sets.
const minMemoryLimit = 128 << 20

// limitMemory sets a soft memory limit (debug.SetMemoryLimit) that
// follows the run: a quarter more than the largest live heap measured
// so far, plus what the runtime holds besides the heap's objects
// (stacks, metadata, fragmentation; not its free pages, which are the
// headroom), at least minMemoryLimit, raised as those grow. It returns the function that stops it and restores the
// limit. Left to GOGC alone, the heap grows to twice what the last
// collection left live: at the run's peak that headroom is as large as
// the live heap. Below the peak the limit does not bind and GOGC paces
// the collector as before. On spicedb (docs/performance.md) it takes the
// peak from 560 to 383 MB at no measurable CPU cost; a limit of 1.5
// times the live heap alone, without the runtime's other memory, made
// the collector run without pause (320 user s against 48). A GOMEMLIMIT
// of the user's is left as it is.
func limitMemory() (stop func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(-1)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		sample := []metrics.Sample{
			{Name: "/gc/heap/live:bytes"},
			{Name: "/memory/classes/total:bytes"},
			{Name: "/memory/classes/heap/released:bytes"},
			{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/memory/classes/heap/free:bytes"},
		}
		var largest, limit uint64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			largest = max(largest, sample[0].Value.Uint64())
			overhead := sample[1].Value.Uint64() - sample[2].Value.Uint64() - sample[3].Value.Uint64() - sample[4].Value.Uint64()
			if l := largest + largest/4 + overhead; l > limit {
				limit = l
				debug.SetMemoryLimit(max(int64(limit), minMemoryLimit))
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
