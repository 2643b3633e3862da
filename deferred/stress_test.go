package deferred_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// deferredGoroutines returns the stacks, by goroutine ID, of the goroutines
// other than the caller's that run code of package deferred: tasks
// suspended in Await, chains being run. A goroutine-leak check compares
// them before and after. It first ends the idle coroutines kept for reuse,
// which are not leaks.
func deferredGoroutines() map[string]string {
	deferred.StopIdleCoroutines()
	return goroutinesIn("cancelcheck/deferred.")
}

// goroutinesIn returns the stacks, by goroutine ID, of the goroutines other
// than the caller's that have a frame whose function name contains fn.
func goroutinesIn(fn string) map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	found := map[string]string{}
	for i, g := range bytes.Split(buf, []byte("\n\n")) {
		if i == 0 { // the calling goroutine
			continue
		}
		header, _, _ := bytes.Cut(g, []byte("\n"))
		var id string
		if _, err := fmt.Sscanf(string(header), "goroutine %s", &id); err != nil {
			continue
		}
		if bytes.Contains(g, []byte(fn)) {
			found[id] = string(g)
		}
	}
	return found
}

// checkNoGoroutineLeft fails the test if goroutines running package
// deferred's code have appeared since before was taken, allowing them a
// moment to finish.
func checkNoGoroutineLeft(t *testing.T, before map[string]string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var leaked []string
		for id, stack := range deferredGoroutines() {
			if _, ok := before[id]; !ok {
				leaked = append(leaked, stack)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left behind, the first:\n%s", len(leaked), leaked[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var errStress = errors.New("stress failure")

// TestStress fires, cancels and extends Deferreds from many goroutines at
// once, and resumes async functions from other goroutines while they are
// being cancelled. Every callback must run exactly once, every canceller at
// most once, every Deferred and every task must finish, and no goroutine
// may be left behind. Run it with -race.
func TestStress(t *testing.T) {
	before := deferredGoroutines()
	rounds, nDeferreds, nTasks := 3, 200, 100
	if testing.Short() {
		rounds, nDeferreds, nTasks = 1, 50, 20
	}
	for round := range rounds {
		stressRound(t, round, nDeferreds, nTasks)
	}
	checkNoGoroutineLeft(t, before)
}

func stressRound(t *testing.T, round, nDeferreds, nTasks int) {
	const adders = 4
	type entry struct {
		d       *deferred.Deferred[int]
		cancels atomic.Int32
		ran     [adders]atomic.Int32
	}
	entries := make([]*entry, nDeferreds)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range entries {
		e := &entry{}
		e.d = deferred.New(func(*deferred.Deferred[int]) { e.cancels.Add(1) })
		entries[i] = e
		for k := range adders {
			wg.Go(func() {
				<-start
				e.d.AddBoth(func(v int, err error) (int, error) {
					e.ran[k].Add(1)
					return v, nil // handles the failure
				})
			})
		}
		wg.Go(func() {
			<-start
			if i%2 == 0 {
				e.d.Callback(i)
			} else {
				e.d.Errback(errStress)
			}
		})
		if i%3 != 0 {
			wg.Go(func() { <-start; e.d.Cancel() })
		}
	}

	// Tasks awaiting gates that other goroutines fire, while others cancel
	// the tasks.
	const gatesPerTask = 3
	finished := make([]atomic.Int32, nTasks)
	done := make(chan struct{}, nTasks)
	for i := range nTasks {
		gates := make([]*deferred.Deferred[int], gatesPerTask)
		for j := range gates {
			gates[j] = deferred.New[int](nil)
		}
		task := deferred.Run(func(t *deferred.Task) (int, error) {
			sum := 0
			for _, g := range gates {
				v, err := deferred.Await(t, g)
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum, nil
		})
		task.AddBoth(func(v int, err error) (int, error) {
			if err == nil && v != gatesPerTask {
				t.Errorf("task %d: sum %d, want %d", i, v, gatesPerTask)
			}
			if err != nil && !errors.Is(err, deferred.ErrCancelled) {
				t.Errorf("task %d failed with %v", i, err)
			}
			finished[i].Add(1)
			done <- struct{}{}
			return v, nil
		})
		for _, g := range gates {
			wg.Go(func() { <-start; g.Callback(1) })
		}
		if i%2 == 0 {
			wg.Go(func() { <-start; task.Cancel() })
		}
	}

	close(start)
	wg.Wait()
	for range nTasks {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: tasks did not all finish", round)
		}
	}
	for i, e := range entries {
		for k := range adders {
			if n := e.ran[k].Load(); n != 1 {
				t.Fatalf("round %d: Deferred %d: callback %d ran %d times, want 1", round, i, k, n)
			}
		}
		if n := e.cancels.Load(); n > 1 {
			t.Fatalf("round %d: Deferred %d: canceller ran %d times", round, i, n)
		}
		if _, _, ok := e.d.Result(); !ok {
			t.Fatalf("round %d: Deferred %d has no result", round, i)
		}
	}
	for i := range finished {
		if n := finished[i].Load(); n != 1 {
			t.Fatalf("round %d: task %d finished %d times", round, i, n)
		}
	}
}

// The leak check itself must be able to fail: a task suspended on a
// Deferred that never fires holds a goroutine.
func TestGoroutineLeakCheckSeesASuspendedTask(t *testing.T) {
	before := deferredGoroutines()
	never := deferred.New[int](nil)
	task := deferred.Run(func(t *deferred.Task) (int, error) { return deferred.Await(t, never) })
	leaked := 0
	for id := range deferredGoroutines() {
		if _, ok := before[id]; !ok {
			leaked++
		}
	}
	if leaked != 1 {
		t.Fatalf("the check sees %d new goroutines for one suspended task, want 1", leaked)
	}
	task.Cancel() // let it finish
	mustBeCancelled(t, task)
	handle(task)
	checkNoGoroutineLeft(t, before)
}
