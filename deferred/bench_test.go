package deferred_test

// Benchmarks of the runtime's hot paths against the floors that bound
// them: an allocation of a Deferred's size, and a goroutine plus channel
// round trip (what Run+Await replaces). docs/performance.md records the
// figures and how to reproduce them.

import (
	"testing"
	"unsafe"

	"github.com/cancelcheck/cancelcheck/deferred"
)

var (
	sinkDeferred *deferred.Deferred[int]
	sinkFloor    *floorBlock
)

// measureCPU makes b report cpu-ns/op besides ns/op: the CPU time the
// process used per operation, all threads (GC included). On a shared
// machine, ns/op also counts the time spent waiting for a CPU; cpu-ns/op
// does not. Call it before the loop.
func measureCPU(b *testing.B) {
	start := processCPU()
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		}
	})
}

// floorBlock has the size and pointer density of a Deferred[int] (128
// bytes, scanned by the collector).
type floorBlock struct{ p [16]unsafe.Pointer }

func increment(v int) (int, error) { return v + 1, nil }

// BenchmarkAllocFloor is the cost of one heap allocation of a
// Deferred[int]'s size: the floor under BenchmarkFire.
func BenchmarkAllocFloor(b *testing.B) {
	if s := unsafe.Sizeof(floorBlock{}); s != 128 {
		b.Fatalf("floorBlock is %d bytes", s)
	}
	b.ReportAllocs()
	measureCPU(b)
	for b.Loop() {
		sinkFloor = new(floorBlock)
	}
}

// BenchmarkFire: a Deferred with one callback, fired.
func BenchmarkFire(b *testing.B) {
	b.ReportAllocs()
	measureCPU(b)
	for b.Loop() {
		d := deferred.New[int](nil)
		d.AddCallback(increment)
		d.Callback(1)
		sinkDeferred = d
	}
}

// BenchmarkChain10: ten callbacks, then fired.
func BenchmarkChain10(b *testing.B) {
	b.ReportAllocs()
	measureCPU(b)
	for b.Loop() {
		d := deferred.New[int](nil)
		for range 10 {
			d.AddCallback(increment)
		}
		d.Callback(1)
		sinkDeferred = d
	}
}

// BenchmarkChainedDeferred: a callback hands back an unfired Deferred; the
// chain pauses on it and resumes when it fires.
func BenchmarkChainedDeferred(b *testing.B) {
	b.ReportAllocs()
	measureCPU(b)
	for b.Loop() {
		inner := deferred.New[int](nil)
		d := deferred.New[int](nil)
		d.AddDeferredCallback(func(int) *deferred.Deferred[int] { return inner })
		d.Callback(0)
		inner.Callback(1)
		sinkDeferred = d
	}
}

// BenchmarkRunAwait: an async function that suspends once in Await and is
// resumed by Callback.
func BenchmarkRunAwait(b *testing.B) {
	b.ReportAllocs()
	measureCPU(b)
	for b.Loop() {
		d := deferred.New[int](nil)
		r := deferred.Run(func(t *deferred.Task) (int, error) {
			v, err := deferred.Await(t, d)
			return v + 1, err
		})
		d.Callback(1)
		sinkDeferred = r
	}
}

// BenchmarkGoroutineChannel is the baseline for BenchmarkRunAwait: start a
// goroutine, hand it a value over a channel and get the answer back.
func BenchmarkGoroutineChannel(b *testing.B) {
	b.ReportAllocs()
	measureCPU(b)
	for b.Loop() {
		c := make(chan int)
		go func() {
			v := <-c
			c <- v + 1
		}()
		c <- 1
		<-c
	}
}

// BenchmarkGather100: gathering 100 Deferreds, fired one by one.
func BenchmarkGather100(b *testing.B) {
	b.ReportAllocs()
	measureCPU(b)
	ds := make([]*deferred.Deferred[int], 100)
	var sink *deferred.Deferred[[]int]
	for b.Loop() {
		for i := range ds {
			ds[i] = deferred.New[int](nil)
		}
		g := deferred.Gather(ds, true)
		for i, d := range ds {
			d.Callback(i)
		}
		sink = g
	}
	_ = sink
}

// BenchmarkLockContended: a goroutine on every P acquiring one Lock,
// waiting until it holds it, and releasing it. A waiter's callback runs on
// the goroutine that hands the lock over.
func BenchmarkLockContended(b *testing.B) {
	b.ReportAllocs()
	measureCPU(b)
	l := deferred.NewLock()
	b.RunParallel(func(pb *testing.PB) {
		held := make(chan struct{}, 1)
		signal := func(l *deferred.Lock) (*deferred.Lock, error) {
			held <- struct{}{}
			return l, nil
		}
		for pb.Next() {
			l.Acquire().AddCallback(signal)
			<-held
			l.Release()
		}
	})
	if l.Locked() {
		b.Fatal("the lock is still held")
	}
}

// BenchmarkLinearizer: Queue and Release on a free key, as a request
// takes its room's slot when nobody else works on the room.
func BenchmarkLinearizer(b *testing.B) {
	b.ReportAllocs()
	measureCPU(b)
	var l deferred.Linearizer[string]
	for b.Loop() {
		p, _, _ := l.Queue("!room:example.org").Result()
		p.Release()
	}
}

// BenchmarkLinearizerContended: a goroutine on every P taking one key of
// a Linearizer, waiting until it holds it, and releasing it, as
// BenchmarkLockContended does with a Lock.
func BenchmarkLinearizerContended(b *testing.B) {
	b.ReportAllocs()
	measureCPU(b)
	var l deferred.Linearizer[string]
	b.RunParallel(func(pb *testing.PB) {
		held := make(chan *deferred.Permit, 1)
		signal := func(p *deferred.Permit) (*deferred.Permit, error) {
			held <- p
			return p, nil
		}
		for pb.Next() {
			l.Queue("key").AddCallback(signal)
			(<-held).Release()
		}
	})
	if l.IsQueued("key") {
		b.Fatal("the key is still queued")
	}
}

// BenchmarkReadWriteLockContended: a goroutine on every P taking one key
// of a ReadWriteLock, for writing one time in four.
func BenchmarkReadWriteLockContended(b *testing.B) {
	b.ReportAllocs()
	measureCPU(b)
	var rw deferred.ReadWriteLock[string]
	b.RunParallel(func(pb *testing.PB) {
		held := make(chan *deferred.Permit, 1)
		signal := func(p *deferred.Permit) (*deferred.Permit, error) {
			held <- p
			return p, nil
		}
		for i := 0; pb.Next(); i++ {
			if i%4 == 0 {
				rw.Write("key").AddCallback(signal)
			} else {
				rw.Read("key").AddCallback(signal)
			}
			(<-held).Release()
		}
	})
}

// BenchmarkConcurrentlyExecute100: 100 items, at most 10 in flight, each
// fired in turn; against BenchmarkGather100, which has all 100 in flight.
func BenchmarkConcurrentlyExecute100(b *testing.B) {
	b.ReportAllocs()
	measureCPU(b)
	items := make([]int, 100)
	pending := make([]*deferred.Deferred[int], 0, 100)
	f := func(int) *deferred.Deferred[int] {
		d := deferred.New[int](nil)
		pending = append(pending, d)
		return d
	}
	var sink *deferred.Deferred[struct{}]
	for b.Loop() {
		sink = deferred.ConcurrentlyExecute(items, 10, f)
		for i := 0; i < len(pending); i++ {
			pending[i].Callback(0) // appends the next item's Deferred
		}
		clear(pending)
		pending = pending[:0]
	}
	_ = sink
}
