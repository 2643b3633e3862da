package driver

import (
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"time"
)

// profiles are the -cpuprofile, -memprofile and -trace files of a run.
type profiles struct {
	cpu, mem, trace string
}

// start starts the profiles asked for and returns the function that
// ends them and writes the files.
//
// The heap profile is the one taken at the run's peak, not at its end
// (when only facts and export data are left): the live heap is sampled
// every 100ms and the profile written again each time it has grown by a
// tenth past its largest, so the file ends with what the heap held at
// its largest, give or take a tenth.
func (p profiles) start() (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err != nil {
			return stop, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return stop, err
		}
		stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
	}
	if p.trace != "" {
		f, err := os.Create(p.trace)
		if err != nil {
			return stop, err
		}
		if err := trace.Start(f); err != nil {
			f.Close()
			return stop, err
		}
		stops = append(stops, func() { trace.Stop(); f.Close() })
	}
	if p.mem != "" {
		if err := writeHeap(p.mem); err != nil {
			return stop, err
		}
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			var largest uint64
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
				}
				metrics.Read(sample)
				if live := sample[0].Value.Uint64(); live > largest+largest/10 {
					largest = live
					writeHeap(p.mem)
				}
			}
		})
		stops = append(stops, func() { close(done); wg.Wait() })
	}
	return stop, nil
}

func writeHeap(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
