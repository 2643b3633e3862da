package deferred_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/cancelcheck/cancelcheck/deferred"
)

func TestQueueValuesInFIFOOrder(t *testing.T) {
	q := deferred.NewQueue[int](deferred.Unlimited, deferred.Unlimited)
	for i := range 3 {
		if err := q.Put(i); err != nil {
			t.Fatalf("Put(%d): %v", i, err)
		}
	}
	if q.Len() != 3 {
		t.Fatalf("Len() = %d, want 3", q.Len())
	}
	for i := range 3 {
		if got := mustSucceed(t, q.Get()); got != i {
			t.Fatalf("Get #%d = %d, want %d", i, got, i)
		}
	}
	if q.Len() != 0 {
		t.Fatalf("Len() = %d, want 0", q.Len())
	}
}

func TestQueueWaitersInFIFOOrder(t *testing.T) {
	q := deferred.NewQueue[string](deferred.Unlimited, deferred.Unlimited)
	gets := []*deferred.Deferred[string]{q.Get(), q.Get(), q.Get()}
	if q.Waiting() != 3 {
		t.Fatalf("Waiting() = %d, want 3", q.Waiting())
	}
	for _, g := range gets {
		mustPend(t, g)
	}
	for _, v := range []string{"a", "b", "c"} {
		if err := q.Put(v); err != nil {
			t.Fatalf("Put(%q): %v", v, err)
		}
	}
	var got []string
	for _, g := range gets {
		got = append(got, mustSucceed(t, g))
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("Gets fired with %q, want %q", got, want)
	}
	if q.Waiting() != 0 || q.Len() != 0 {
		t.Fatalf("Waiting() = %d, Len() = %d, want 0 and 0", q.Waiting(), q.Len())
	}
}

// Twisted's testQueue, and the limits at their edges.
func TestQueueLimits(t *testing.T) {
	tests := []struct {
		name          string
		size, backlog int
		// ops: "g" a Get, "p" a Put of the next number
		ops      string
		overflow []int // which Puts (by number) fail
		under    []int // which Gets (by number) fail
	}{
		{"size and backlog 2", 2, 2, "gggpppppggg", []int{4}, []int{2}},
		{"size 0: a Put needs a waiting Get", 0, deferred.Unlimited, "pgpp", []int{0, 2}, nil},
		{"backlog 0: a Get needs a value", deferred.Unlimited, 0, "gpgg", nil, []int{0, 2}},
		{"unlimited", deferred.Unlimited, deferred.Unlimited, "ppppppgggggggg", nil, nil},
		{"any negative is unlimited", -7, -7, "pppgggg", nil, nil},
		{"a full queue takes a Put again after a Get", 1, deferred.Unlimited, "pppgp", []int{1, 2}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := deferred.NewQueue[int](tt.size, tt.backlog)
			puts, gets := 0, 0
			for _, op := range tt.ops {
				switch op {
				case 'p':
					err := q.Put(puts)
					if want := slices.Contains(tt.overflow, puts); want != (err != nil) || err != nil && !errors.Is(err, deferred.ErrQueueOverflow) {
						t.Fatalf("Put #%d: %v, want overflow: %v", puts, err, want)
					}
					puts++
				case 'g':
					d := q.Get()
					_, err, _ := d.Result()
					if want := slices.Contains(tt.under, gets); want != (err != nil) || err != nil && !errors.Is(err, deferred.ErrQueueUnderflow) {
						t.Fatalf("Get #%d: %v, want underflow: %v", gets, err, want)
					}
					handle(d)
					gets++
				}
			}
		})
	}
}

func TestQueueErrorMessages(t *testing.T) {
	for err, want := range map[error]string{
		deferred.ErrQueueOverflow:  "deferred: queue full",
		deferred.ErrQueueUnderflow: "deferred: too many Gets waiting on an empty queue",
	} {
		if err.Error() != want {
			t.Errorf("%q, want %q", err.Error(), want)
		}
	}
}

func TestQueueNotMadeByNewQueuePanics(t *testing.T) {
	for name, f := range map[string]func(q *deferred.Queue[int]){
		"Put": func(q *deferred.Queue[int]) { q.Put(1) },
		"Get": func(q *deferred.Queue[int]) { q.Get() },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s on a zero Queue did not panic", name)
				}
			}()
			f(new(deferred.Queue[int]))
		}()
	}
}

// A cancelled Get leaves the queue: the next value goes to the next Get, or
// into the queue, and its backlog slot is free again (Twisted's
// test_cancelQueueAfterGet).
func TestQueueCancelGet(t *testing.T) {
	q := deferred.NewQueue[int](deferred.Unlimited, 1)
	g := q.Get()
	g.CancelWithReason("client gone")
	handleAtEnd(t, g)
	if ce := mustBeCancelled(t, g); ce.Reason != "client gone" {
		t.Fatalf("reason %q, want %q", ce.Reason, "client gone")
	}
	if q.Waiting() != 0 {
		t.Fatalf("Waiting() = %d after the cancel, want 0", q.Waiting())
	}
	next := q.Get() // the backlog of 1 has room again
	if err := q.Put(1); err != nil {
		t.Fatal(err)
	}
	if got := mustSucceed(t, next); got != 1 {
		t.Fatalf("next Get = %d, want 1", got)
	}
	if err := q.Put(2); err != nil {
		t.Fatal(err)
	}
	if q.Len() != 1 {
		t.Fatalf("Len() = %d, want 1: the value waits for a Get", q.Len())
	}
}

// Cancelling a Get that has its value does nothing (Twisted's
// test_cancelQueueAfterSynchronousGet).
func TestQueueCancelGetAfterItFired(t *testing.T) {
	q := deferred.NewQueue[int](deferred.Unlimited, deferred.Unlimited)
	g := q.Get()
	q.Put(7)
	g.Cancel()
	if got := mustSucceed(t, g); got != 7 {
		t.Fatalf("value %d, want 7", got)
	}
}

// A consumer that is an async function: cancelled while it waits on Get, it
// stops, and the next value stays in the queue for someone else.
func TestQueueConsumerCancelled(t *testing.T) {
	q := deferred.NewQueue[string](deferred.Unlimited, deferred.Unlimited)
	var consumed []string
	consumer := deferred.Run(func(task *deferred.Task) (int, error) {
		for {
			v, err := deferred.Await(task, q.Get())
			if err != nil {
				return len(consumed), err
			}
			consumed = append(consumed, v)
		}
	})
	q.Put("a")
	q.Put("b")
	consumer.Cancel()
	handleAtEnd(t, consumer)
	mustBeCancelled(t, consumer)
	q.Put("c")
	if want := []string{"a", "b"}; !slices.Equal(consumed, want) {
		t.Fatalf("consumed %q, want %q", consumed, want)
	}
	if q.Waiting() != 0 || q.Len() != 1 {
		t.Fatalf("Waiting() = %d, Len() = %d, want 0 and 1", q.Waiting(), q.Len())
	}
}

// A cancel and a Put started at the same instant, many times over: the
// cancel sometimes lands after Put has taken the Get from the queue and
// before it fires it. The value must then reach the queue, or, if the queue
// has no room, come back to the caller as ErrQueueOverflow: never vanish.
func TestQueueCancelAtTheHandOver(t *testing.T) {
	for _, size := range []int{deferred.Unlimited, 0} {
		t.Run(fmt.Sprintf("size %d", size), func(t *testing.T) {
			q := deferred.NewQueue[int](size, deferred.Unlimited)
			for i := range 5000 {
				g := q.Get()
				var putErr error
				var wg sync.WaitGroup
				start := make(chan struct{})
				wg.Go(func() { <-start; g.Cancel() })
				wg.Go(func() { <-start; putErr = q.Put(i) })
				close(start)
				wg.Wait()
				v, err, ok := g.Result()
				handle(g)
				switch {
				case !ok:
					t.Fatalf("round %d: the Get neither fired nor was cancelled", i)
				case err == nil:
					if v != i || putErr != nil || q.Len() != 0 {
						t.Fatalf("round %d: Get = %d, Put: %v, Len() = %d", i, v, putErr, q.Len())
					}
				case putErr != nil:
					if !errors.Is(putErr, deferred.ErrQueueOverflow) || size != 0 || q.Len() != 0 {
						t.Fatalf("round %d: Put: %v with size %d and Len() = %d", i, putErr, size, q.Len())
					}
				default: // cancelled, and Put kept the value
					if got := mustSucceed(t, q.Get()); got != i {
						t.Fatalf("round %d: the queue holds %d, want %d", i, got, i)
					}
				}
				if q.Waiting() != 0 {
					t.Fatalf("round %d: %d Gets left waiting", i, q.Waiting())
				}
			}
		})
	}
}

// Producers and consumers on many goroutines: every value is delivered
// exactly once. (The order is FIFO, but callbacks of Gets fired on
// different goroutines may report it in any order.)
func TestQueueConcurrent(t *testing.T) {
	const producers, each = 4, 250
	q := deferred.NewQueue[[2]int](deferred.Unlimited, deferred.Unlimited)
	got := make(chan [2]int, producers*each)
	var wg sync.WaitGroup
	for range producers {
		wg.Go(func() {
			for range each {
				q.Get().AddCallback(func(v [2]int) ([2]int, error) {
					got <- v
					return v, nil
				})
			}
		})
	}
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				if err := q.Put([2]int{p, i}); err != nil {
					t.Errorf("Put: %v", err)
				}
			}
		})
	}
	wg.Wait()
	close(got)
	var seen [producers][each]int
	for v := range got {
		seen[v[0]][v[1]]++
	}
	for p := range seen {
		for i, n := range seen[p] {
			if n != 1 {
				t.Fatalf("value %d of producer %d delivered %d times", i, p, n)
			}
		}
	}
}
