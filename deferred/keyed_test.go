package deferred_test

// Linearizer and ReadWriteLock: Synapse's tests/util/test_linearizer.py
// and test_rwlock.py, plus hand-overs, misuse and concurrent use.

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// holder is a task that takes a Permit, blocks, then releases it: Synapse's
// _start_task and _start_reader_or_writer.
type holder struct {
	task     *deferred.Deferred[string] // the whole task, cancellable; fires with its name
	acquired *deferred.Deferred[struct{}]
	unblock  *deferred.Deferred[struct{}]
}

// startHolder starts a task that waits for acquire's Permit, fires
// acquired, waits for unblock and releases the Permit.
func startHolder(name string, acquire func() *deferred.Deferred[*deferred.Permit]) *holder {
	h := &holder{acquired: deferred.New[struct{}](nil), unblock: deferred.New[struct{}](nil)}
	h.task = deferred.Run(func(t *deferred.Task) (string, error) {
		p, err := deferred.Await(t, acquire())
		if err != nil {
			return "", err
		}
		defer p.Release()
		h.acquired.Callback(struct{}{})
		if _, err := deferred.Await(t, h.unblock); err != nil {
			return "", err
		}
		return name, nil
	})
	return h
}

// startNonBlocking starts a holder that releases as soon as it holds.
func startNonBlocking(name string, acquire func() *deferred.Deferred[*deferred.Permit]) *holder {
	h := startHolder(name, acquire)
	h.unblock.Callback(struct{}{})
	return h
}

// assertFirstNAcquired is Synapse's _assert_first_n_resolved.
func assertFirstNAcquired(t *testing.T, hs []*holder, n int) {
	t.Helper()
	for i, h := range hs {
		if got := h.acquired.Called(); got != (i < n) {
			t.Fatalf("holder %d acquired: %v, want %v (the first %d)", i, got, i < n, n)
		}
	}
}

// --- Linearizer ---

// Synapse's test_linearizer and test_linearizer_is_queued.
func TestLinearizerQueuesBehindAnEarlierTask(t *testing.T) {
	var l deferred.Linearizer[string]
	h1 := startHolder("1", func() *deferred.Deferred[*deferred.Permit] { return l.Queue("key") })
	if !h1.acquired.Called() || l.IsQueued("key") {
		t.Fatal("the first task did not get the key at once")
	}
	h2 := startHolder("2", func() *deferred.Deferred[*deferred.Permit] { return l.Queue("key") })
	if h2.acquired.Called() || !l.IsQueued("key") {
		t.Fatal("the second task is not queued behind the first")
	}
	if l.IsQueued("other") {
		t.Fatal("IsQueued of another key")
	}
	h1.unblock.Callback(struct{}{})
	if !h2.acquired.Called() || l.IsQueued("key") {
		t.Fatal("the second task did not get the key after the first")
	}
	h2.unblock.Callback(struct{}{})
	mustSucceed(t, h1.task)
	mustSucceed(t, h2.task)
	if l.IsQueued("key") {
		t.Fatal("queued after every task ended")
	}
}

// Synapse's test_lots_of_queued_things: many tasks that release at once,
// queued behind a slow one, are served by a loop when it ends: the stack
// does not grow with them.
func TestLinearizerLotsOfQueuedThings(t *testing.T) {
	var l deferred.Linearizer[string]
	slow := startHolder("slow", func() *deferred.Deferred[*deferred.Permit] { return l.Queue("") })
	const n = 1000
	depths := make([]int, 0, n)
	pcs := make([]uintptr, 1024)
	tasks := make([]*deferred.Deferred[int], n)
	for i := range n {
		tasks[i] = deferred.Run(func(t *deferred.Task) (int, error) {
			p, err := deferred.Await(t, l.Queue(""))
			if err != nil {
				return 0, err
			}
			depths = append(depths, runtime.Callers(0, pcs))
			p.Release()
			return i, nil
		})
	}
	slow.unblock.Callback(struct{}{})
	for i, d := range tasks {
		if got := mustSucceed(t, d); got != i {
			t.Fatalf("task %d got %d", i, got)
		}
	}
	if lo, hi := slices.Min(depths), slices.Max(depths); hi != lo {
		t.Fatalf("stack depth grew from %d to %d frames along the queue", lo, hi)
	}
}

// Synapse's test_multiple_entries.
func TestLinearizerMaxCount(t *testing.T) {
	l := deferred.NewLinearizer[int](3)
	queue := func() *deferred.Deferred[*deferred.Permit] { return l.Queue(7) }
	var hs []*holder
	for i := range 5 {
		hs = append(hs, startHolder(fmt.Sprint(i), queue))
	}
	assertFirstNAcquired(t, hs, 3)
	hs[0].unblock.Callback(struct{}{})
	assertFirstNAcquired(t, hs, 4)
	hs[2].unblock.Callback(struct{}{})
	assertFirstNAcquired(t, hs, 5)
	for _, i := range []int{1, 3, 4} {
		hs[i].unblock.Callback(struct{}{})
	}
	last := startNonBlocking("last", queue)
	if !last.acquired.Called() {
		t.Fatal("a new task waits on a free key")
	}
	for _, h := range append(hs, last) {
		mustSucceed(t, h.task)
	}
}

// Synapse's test_cancellation: a cancelled waiter leaves the queue; the
// key goes to the one after it.
func TestLinearizerCancelWhileWaiting(t *testing.T) {
	var l deferred.Linearizer[string]
	queue := func() *deferred.Deferred[*deferred.Permit] { return l.Queue("key") }
	h1, h2, h3 := startHolder("1", queue), startHolder("2", queue), startHolder("3", queue)
	h2.task.Cancel()
	handleAtEnd(t, h2.task)
	mustBeCancelled(t, h2.task)
	h1.unblock.Callback(struct{}{})
	mustSucceed(t, h1.task)
	if !h3.acquired.Called() {
		t.Fatal("the third task did not get the key after the second was cancelled")
	}
	h3.unblock.Callback(struct{}{})
	mustSucceed(t, h3.task)
	if l.IsQueued("key") {
		t.Fatal("still queued")
	}
}

// Synapse's test_cancellation_during_sleep, for a hand-over that loops: a
// cancel that comes while the hand-over runs (here from the callbacks of
// the waiter just let in) reaches a waiter still in the queue, which
// leaves it; the key goes on to the next one.
func TestLinearizerCancelDuringTheHandOver(t *testing.T) {
	var l deferred.Linearizer[string]
	first := l.Queue("key")
	var r record
	second := l.Queue("key")
	third := l.Queue("key")
	fourth := l.Queue("key")
	second.AddCallback(func(p *deferred.Permit) (*deferred.Permit, error) {
		r.add("second")
		third.Cancel()
		p.Release()
		return p, nil
	})
	fourth.AddCallback(func(p *deferred.Permit) (*deferred.Permit, error) { r.add("fourth"); return p, nil })
	mustSucceed(t, first).Release()
	handleAtEnd(t, third)
	mustBeCancelled(t, third)
	if got, want := r.get(), []string{"second", "fourth"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("served %v, want %v", got, want)
	}
	mustSucceed(t, fourth).Release()
	if l.IsQueued("key") {
		t.Fatal("still queued")
	}
}

// Hand-overs to waiters that release in their callbacks loop: the stack
// does not grow with the queue.
func TestLinearizerHandOversDoNotNest(t *testing.T) {
	var l deferred.Linearizer[string]
	first := mustSucceed(t, l.Queue("key"))
	const n = 10000
	depths := make([]int, 0, n)
	pcs := make([]uintptr, 1024)
	for range n {
		l.Queue("key").AddCallback(func(p *deferred.Permit) (*deferred.Permit, error) {
			depths = append(depths, runtime.Callers(0, pcs))
			p.Release()
			return p, nil
		})
	}
	first.Release()
	if len(depths) != n {
		t.Fatalf("%d waiters served, want %d", len(depths), n)
	}
	if lo, hi := slices.Min(depths), slices.Max(depths); hi != lo {
		t.Fatalf("stack depth grew from %d to %d frames along the queue", lo, hi)
	}
}

// A cancel from another goroutine at the moment of the hand-over: the
// waiter either gets the key or is cancelled, and then the key goes on;
// it is never lost. Each round releases and cancels at once, and checks
// that the key is free afterwards.
func TestLinearizerCancelRacingWithTheHandOver(t *testing.T) {
	var l deferred.Linearizer[string]
	for range 10000 {
		held := mustSucceed(t, l.Queue("key"))
		waiter := l.Queue("key")
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { <-start; held.Release() })
		wg.Go(func() { <-start; waiter.Cancel() })
		close(start)
		wg.Wait()
		if p, err, ok := waiter.Result(); !ok {
			t.Fatal("the waiter has no result")
		} else if err == nil {
			p.Release()
		}
		handle(waiter)
		if free := l.Queue("key"); !free.Called() {
			t.Fatal("the key is lost: held after the race")
		} else {
			mustSucceed(t, free).Release()
		}
	}
}

// Keys are independent, and forgotten once nobody holds or waits for
// them: a Linearizer over many keys holds nothing once they are released.
func TestLinearizerKeysAreIndependent(t *testing.T) {
	var l deferred.Linearizer[int]
	var ps []*deferred.Permit
	for k := range 100 {
		ps = append(ps, mustSucceed(t, l.Queue(k)))
	}
	for k, p := range ps {
		if l.IsQueued(k) {
			t.Fatalf("key %d queued", k)
		}
		p.Release()
	}
	for k := range 100 {
		mustSucceed(t, l.Queue(k)).Release()
	}
}

// Cancelling a Queue that has fired does nothing: the caller holds the
// Permit (Twisted's test_cancelLockAfterAcquired).
func TestLinearizerCancelAfterItFired(t *testing.T) {
	var l deferred.Linearizer[string]
	d := l.Queue("key")
	d.Cancel()
	p := mustSucceed(t, d)
	if waiter := l.Queue("key"); waiter.Called() {
		t.Fatal("the key is free after cancelling a fired Queue")
	} else {
		p.Release()
		mustSucceed(t, waiter).Release()
	}
}

func TestPermitMisusePanics(t *testing.T) {
	var l deferred.Linearizer[string]
	p := mustSucceed(t, l.Queue("key"))
	p.Release()
	tests := []struct {
		name string
		f    func()
	}{
		{"NewLinearizer(0)", func() { deferred.NewLinearizer[string](0) }},
		{"second Release", func() { p.Release() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if panicValue(tt.f) == nil {
				t.Fatal("no panic")
			}
		})
	}
}

// --- ReadWriteLock ---

func readerOf(rw *deferred.ReadWriteLock[string]) func() *deferred.Deferred[*deferred.Permit] {
	return func() *deferred.Deferred[*deferred.Permit] { return rw.Read("key") }
}

func writerOf(rw *deferred.ReadWriteLock[string]) func() *deferred.Deferred[*deferred.Permit] {
	return func() *deferred.Deferred[*deferred.Permit] { return rw.Write("key") }
}

// Synapse's test_rwlock: readers share, writers are alone, in FIFO order:
// readers that come after a waiting writer wait for it.
func TestReadWriteLock(t *testing.T) {
	var rw deferred.ReadWriteLock[string]
	read, write := readerOf(&rw), writerOf(&rw)
	hs := []*holder{
		startHolder("0", read), startHolder("1", read),
		startHolder("2", write), startHolder("3", write),
		startHolder("4", read), startHolder("5", read),
		startHolder("6", write),
	}
	steps := []struct {
		release int
		want    int
	}{
		{-1, 2}, // the first two readers hold it
		{0, 2},  // the next writer waits for the other reader
		{1, 3},
		{2, 4},
		{3, 6}, // the next two readers
		{5, 6},
		{4, 7},
	}
	for _, s := range steps {
		if s.release >= 0 {
			hs[s.release].unblock.Callback(struct{}{})
		}
		assertFirstNAcquired(t, hs, s.want)
	}
	hs[6].unblock.Callback(struct{}{})
	for _, h := range hs {
		mustSucceed(t, h.task)
	}
	if w := startNonBlocking("last writer", write); !w.acquired.Called() {
		t.Fatal("the last writer waits on a free lock")
	}
	if r := startNonBlocking("last reader", read); !r.acquired.Called() {
		t.Fatal("the last reader waits on a free lock")
	}
}

// Synapse's test_lock_handoff_to_nonblocking_writer.
func TestReadWriteLockHandOffToANonBlockingWriter(t *testing.T) {
	var rw deferred.ReadWriteLock[string]
	w1 := startHolder("write 1", writerOf(&rw))
	w2 := startNonBlocking("write 2", writerOf(&rw))
	mustPend(t, w1.task)
	mustPend(t, w2.task)
	w1.unblock.Callback(struct{}{})
	mustSucceed(t, w1.task)
	mustSucceed(t, w2.task)
	if w3 := startNonBlocking("write 3", writerOf(&rw)); !w3.task.Called() {
		t.Fatal("the lock is not free after the hand-off")
	}
}

// Synapse's test_cancellation_while_holding_read_lock and
// test_cancellation_while_holding_write_lock: a holder that is cancelled
// releases, and the waiter gets the lock.
func TestReadWriteLockCancelWhileHolding(t *testing.T) {
	for _, holderWrites := range []bool{false, true} {
		var rw deferred.ReadWriteLock[string]
		first, second := readerOf(&rw), writerOf(&rw)
		if holderWrites {
			first, second = second, first
		}
		h := startHolder("holder", first)
		w := startNonBlocking("waiter", second)
		mustPend(t, w.task)
		h.task.Cancel()
		handleAtEnd(t, h.task)
		mustBeCancelled(t, h.task)
		if got := mustSucceed(t, w.task); got != "waiter" {
			t.Fatalf("holder writes %v: waiter got %q", holderWrites, got)
		}
	}
}

// Synapse's test_cancellation_while_waiting_for_read_lock: cancelling a
// waiting reader cancels neither the writer it waits on nor the writer
// waiting behind it, which gets the lock after the first writer.
func TestReadWriteLockCancelWhileWaitingToRead(t *testing.T) {
	var rw deferred.ReadWriteLock[string]
	w1 := startHolder("write 1", writerOf(&rw))
	r := startNonBlocking("read", readerOf(&rw))
	w2 := startNonBlocking("write 2", writerOf(&rw))
	r.task.Cancel()
	handleAtEnd(t, r.task)
	mustBeCancelled(t, r.task)
	mustPend(t, w1.task)
	mustPend(t, w2.task)
	w1.unblock.Callback(struct{}{})
	mustSucceed(t, w1.task)
	mustSucceed(t, w2.task)
}

// Synapse's test_cancellation_while_waiting_for_write_lock, with the Go
// difference that a cancelled waiting writer leaves the queue at once
// (Synapse's waits for its turn, and then releases): the holders and the
// other waiters are not affected, and the writer behind it waits for the
// ones before.
func TestReadWriteLockCancelWhileWaitingToWrite(t *testing.T) {
	var rw deferred.ReadWriteLock[string]
	r := startHolder("read", readerOf(&rw))
	w1 := startHolder("write 1", writerOf(&rw))
	w2 := startNonBlocking("write 2", writerOf(&rw))
	w3 := startNonBlocking("write 3", writerOf(&rw))
	w2.task.Cancel()
	handleAtEnd(t, w2.task)
	mustBeCancelled(t, w2.task)
	for _, h := range []*holder{r, w1, w3} {
		mustPend(t, h.task)
	}
	r.unblock.Callback(struct{}{})
	mustSucceed(t, r.task)
	if !w1.acquired.Called() || w3.task.Called() {
		t.Fatal("after the reader: the first writer must hold the lock, the third wait")
	}
	w1.unblock.Callback(struct{}{})
	mustSucceed(t, w1.task)
	mustSucceed(t, w3.task)
}

// A writer at the head of the queue keeps the readers behind it waiting;
// when it is cancelled, they join the readers holding the lock.
func TestReadWriteLockCancelledWriterLetsReadersIn(t *testing.T) {
	var rw deferred.ReadWriteLock[string]
	held := mustSucceed(t, rw.Read("key"))
	w := rw.Write("key")
	r := rw.Read("key")
	mustPend(t, r)
	w.Cancel()
	handleAtEnd(t, w)
	mustBeCancelled(t, w)
	mustSucceed(t, r).Release()
	held.Release()
	mustSucceed(t, rw.Write("key")).Release()
}

// --- concurrent use ---

// Many goroutines wait, cancel and release on a few keys at once: no more
// holders than allowed are ever in, every wait either gets its Permit (and
// releases it) or is cancelled, and at the end every key is free.
func TestKeyedLocksUnderConcurrentCancels(t *testing.T) {
	l := deferred.NewLinearizer[int](2)
	var rw deferred.ReadWriteLock[int]
	type kind struct {
		name    string
		acquire func(key int, i int) (d *deferred.Deferred[*deferred.Permit], exclusive bool)
		limit   int32 // most shared holders
	}
	kinds := []kind{
		{"Linearizer", func(k, _ int) (*deferred.Deferred[*deferred.Permit], bool) { return l.Queue(k), false }, 2},
		{"ReadWriteLock", func(k, i int) (*deferred.Deferred[*deferred.Permit], bool) {
			if i%3 == 0 {
				return rw.Write(k), true
			}
			return rw.Read(k), false
		}, 1 << 30},
	}
	for _, kd := range kinds {
		t.Run(kd.name, func(t *testing.T) {
			const keys, n = 3, 600
			var shared, exclusive [keys]atomic.Int32
			var bad atomic.Value
			var got, cancelled atomic.Int32
			var wg sync.WaitGroup
			fired := make(chan struct{}, n)
			for i := range n {
				wg.Go(func() {
					k := i % keys
					d, excl := kd.acquire(k, i)
					if i%2 == 0 {
						wg.Go(d.Cancel)
					}
					d.AddBoth(func(p *deferred.Permit, err error) (*deferred.Permit, error) {
						defer func() { fired <- struct{}{} }()
						if err != nil {
							cancelled.Add(1)
							return nil, nil
						}
						got.Add(1)
						if excl {
							if exclusive[k].Add(1) != 1 || shared[k].Load() != 0 {
								bad.Store("a writer is not alone")
							}
							exclusive[k].Add(-1)
						} else {
							if shared[k].Add(1) > kd.limit || exclusive[k].Load() != 0 {
								bad.Store("too many holders, or a holder beside a writer")
							}
							shared[k].Add(-1)
						}
						p.Release()
						return p, nil
					})
				})
			}
			wg.Wait()
			for range n {
				<-fired
			}
			if b := bad.Load(); b != nil {
				t.Fatal(b)
			}
			if got.Load()+cancelled.Load() != n || got.Load() < n/2 {
				t.Fatalf("%d got their Permit, %d cancelled, of %d", got.Load(), cancelled.Load(), n)
			}
			for k := range keys {
				d, _ := kd.acquire(k, 0) // a writer, for the ReadWriteLock
				mustSucceed(t, d).Release()
			}
		})
	}
}
