package deferred

import (
	"errors"
	"sync"
)

// Unlimited, as the size or backlog of NewQueue, means no limit (Twisted's
// None). Any negative limit means the same.
const Unlimited = -1

var (
	// ErrQueueOverflow is what Queue.Put returns when the queue holds its
	// size in values and no Get is waiting (Twisted's QueueOverflow).
	ErrQueueOverflow = errors.New("deferred: queue full")
	// ErrQueueUnderflow is what the Deferred from Queue.Get fails with when
	// the queue is empty and its backlog of waiting Gets is full (Twisted's
	// QueueUnderflow).
	ErrQueueUnderflow = errors.New("deferred: too many Gets waiting on an empty queue")
)

// Queue is a FIFO queue whose Get hands back a Deferred that fires when a
// value is there (Twisted's DeferredQueue). Values wait in the queue for a
// Get, Gets wait for a Put, each in FIFO order. A Get that is cancelled while
// it waits leaves the queue. Put never waits: it fails with
// ErrQueueOverflow when the queue is full. Create one with NewQueue.
type Queue[T any] struct {
	mu      sync.Mutex
	made    bool
	size    int // most values held; negative: no limit
	backlog int // most Gets waiting; negative: no limit
	values  []T
	waiters []*Deferred[T]
}

// NewQueue returns an empty Queue that holds at most size values and lets at
// most backlog Gets wait; Unlimited (or any negative number) means no limit.
// A size of 0 makes every Put fail unless a Get is waiting for it; a backlog
// of 0 makes every Get fail unless a value is there.
func NewQueue[T any](size, backlog int) *Queue[T] {
	return &Queue[T]{made: true, size: size, backlog: backlog}
}

func (q *Queue[T]) checkMadeLocked() {
	if !q.made {
		q.mu.Unlock()
		panic("deferred: use of a Queue not made by NewQueue")
	}
}

// Put adds v to the queue: it hands v to the first waiting Get if there is
// one, else keeps it after the values already there. If the queue is full
// it returns ErrQueueOverflow and keeps nothing. A Get cancelled at the
// moment Put hands it v does not lose v: Put goes on as if that Get had not
// been there.
func (q *Queue[T]) Put(v T) error {
	for {
		q.mu.Lock()
		q.checkMadeLocked()
		if len(q.waiters) > 0 {
			d := q.waiters[0]
			q.waiters[0] = nil
			q.waiters = q.waiters[1:]
			q.mu.Unlock()
			if d.resolve(v, nil) {
				return nil
			}
			// d was cancelled after it left the queue.
			continue
		}
		if q.size >= 0 && len(q.values) >= q.size {
			q.mu.Unlock()
			return ErrQueueOverflow
		}
		q.values = append(q.values, v)
		q.mu.Unlock()
		return nil
	}
}

// Get returns a Deferred that fires with the first value in the queue,
// removing it: at once if there is one, else when a Put brings one, after
// the Gets that came before. If the queue is empty and the backlog of
// waiting Gets is full, the Deferred fails at once with ErrQueueUnderflow.
// Cancelling it while it waits removes it from the queue and fails it with
// a *CancelledError; the value it would have had goes to the next Get.
func (q *Queue[T]) Get() *Deferred[T] {
	q.mu.Lock()
	q.checkMadeLocked()
	if len(q.values) > 0 {
		v := q.values[0]
		var zero T
		q.values[0] = zero
		q.values = q.values[1:]
		q.mu.Unlock()
		return Succeed(v)
	}
	if q.backlog >= 0 && len(q.waiters) >= q.backlog {
		q.mu.Unlock()
		return Fail[T](ErrQueueUnderflow)
	}
	d := New(q.dequeue)
	q.waiters = append(q.waiters, d)
	q.mu.Unlock()
	return d
}

func (q *Queue[T]) dequeue(d *Deferred[T]) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, w := range q.waiters {
		if w == d {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			return
		}
	}
}

// Len reports how many values wait in the queue.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.values)
}

// Waiting reports how many Gets wait for a value.
func (q *Queue[T]) Waiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiters)
}
