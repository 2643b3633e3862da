package deferred

import (
	"fmt"
	"slices"
	"sync"
)

// Linearizer limits how many callers work on one key at a time (Synapse's
// Linearizer): Queue(key) hands back a Deferred that fires with a *Permit
// once the caller holds one of the key's slots, and Permit.Release gives
// it back. Waiters for a key are served in FIFO order; a waiter that is
// cancelled leaves the queue, and a cancel that races with the hand-over
// never loses the slot. Keys cost nothing while nobody holds or waits for
// them.
//
// The zero Linearizer allows one holder per key; NewLinearizer allows
// more. In an async function:
//
//	p, err := deferred.Await(t, rooms.Queue(roomID))
//	if err != nil {
//		return err // cancelled while waiting: nothing to release
//	}
//	defer p.Release()
type Linearizer[K comparable] struct {
	maxCount int // 0 for the zero Linearizer: 1
	kl       keyedLock[K]
}

// NewLinearizer returns a Linearizer that lets maxCount callers hold each
// key at once. It panics if maxCount is less than 1.
func NewLinearizer[K comparable](maxCount int) *Linearizer[K] {
	if maxCount < 1 {
		panic(fmt.Sprintf("deferred: NewLinearizer(%d): a Linearizer needs at least 1 slot per key", maxCount))
	}
	return &Linearizer[K]{maxCount: maxCount}
}

// Queue returns a Deferred that fires with a *Permit once the caller holds
// one of key's slots: at once if one is free and nobody waits for key, else
// when the holders before it release theirs, in FIFO order. The caller must
// Release the Permit. Cancelling the Deferred while it waits removes the
// caller from the queue and fails it with a *CancelledError; cancelling it
// once it has fired does nothing: the caller holds the Permit.
func (l *Linearizer[K]) Queue(key K) *Deferred[*Permit] {
	return l.kl.acquire(key, false, max(l.maxCount, 1))
}

// IsQueued reports whether some caller waits for key (Synapse's
// Linearizer.is_queued): all its slots are held, and a Queue would wait.
func (l *Linearizer[K]) IsQueued(key K) bool { return l.kl.isQueued(key) }

// ReadWriteLock is a readers-writer lock per key for asynchronous critical
// sections (Synapse's ReadWriteLock): Read(key) and Write(key) hand back a
// Deferred that fires with a *Permit once the caller holds the key for
// reading (shared with other readers) or for writing (alone). Waiters for a
// key are served in FIFO order, so a writer waits only for the holders
// before it and readers that come after a waiting writer wait for it:
// writers do not starve. A waiter that is cancelled leaves the queue, and a
// cancel that races with the hand-over never loses the lock. Keys cost
// nothing while nobody holds or waits for them. The zero ReadWriteLock is
// unlocked and ready to use.
type ReadWriteLock[K comparable] struct {
	kl keyedLock[K]
}

// NewReadWriteLock returns an unlocked ReadWriteLock.
func NewReadWriteLock[K comparable]() *ReadWriteLock[K] { return &ReadWriteLock[K]{} }

// Read returns a Deferred that fires with a *Permit once the caller holds
// key for reading: at once if no writer holds or waits for key, else when
// the writers before it have released it. The caller must Release the
// Permit. Cancelling the Deferred while it waits removes the caller from
// the queue and fails it with a *CancelledError.
func (rw *ReadWriteLock[K]) Read(key K) *Deferred[*Permit] { return rw.kl.acquire(key, false, 0) }

// Write returns a Deferred that fires with a *Permit once the caller holds
// key for writing, alone: at once if nobody holds or waits for key, else
// when the holders before it have released it. The caller must Release the
// Permit. Cancelling the Deferred while it waits removes the caller from
// the queue and fails it with a *CancelledError.
func (rw *ReadWriteLock[K]) Write(key K) *Deferred[*Permit] { return rw.kl.acquire(key, true, 0) }

// A Permit is one hold on a key of a Linearizer or a ReadWriteLock, which
// its holder gives back with Release.
type Permit struct {
	d         Deferred[*Permit] // the Deferred of the wait, in the same allocation
	from      keyHolder
	exclusive bool
	released  bool // guarded by the lock's mutex
}

// Release gives the Permit back, handing the key to the waiters it lets
// in: their callbacks run now, on this goroutine. As with Lock, hand-overs
// to waiters that release in their callbacks loop rather than nest.
// Release panics if the Permit has been released already.
func (p *Permit) Release() { p.from.release(p) }

// keyHolder is the state of the key a Permit is for.
type keyHolder interface{ release(*Permit) }

// keyedLock is what Linearizer and ReadWriteLock share: per key, holders
// that share it (up to a limit) or hold it alone, and a FIFO queue of
// waiters.
type keyedLock[K comparable] struct {
	mu   sync.Mutex
	keys map[K]*keyState[K] // the keys held or waited for
	// spare is the state of a key that was forgotten, for the next key to
	// reuse: a key taken and released when nobody else wants it costs no
	// allocation for its state.
	spare *keyState[K]
}

type keyState[K comparable] struct {
	l         *keyedLock[K]
	key       K
	limit     int // most shared holders; 0: no limit
	shared    int // holders of shared Permits
	exclusive bool
	waiters   []*Permit
	// handing is set while a hand-over loop runs for the key (see
	// dispatchLocked); the key is not forgotten meanwhile.
	handing bool
}

func (kl *keyedLock[K]) acquire(key K, exclusive bool, limit int) *Deferred[*Permit] {
	kl.mu.Lock()
	ks := kl.keys[key]
	if ks == nil {
		if kl.keys == nil {
			kl.keys = make(map[K]*keyState[K])
		}
		if ks = kl.spare; ks != nil {
			kl.spare = nil
		} else {
			ks = new(keyState[K])
		}
		*ks = keyState[K]{l: kl, key: key, limit: limit, waiters: ks.waiters[:0]}
		kl.keys[key] = ks
	}
	p := &Permit{from: ks, exclusive: exclusive}
	if len(ks.waiters) == 0 && ks.admitsLocked(exclusive) {
		ks.grantLocked(p)
		kl.mu.Unlock()
		p.d.flags, p.d.value = flagFired, p
		return &p.d
	}
	p.d.canceller = func(*Deferred[*Permit]) { ks.dequeue(p) }
	ks.waiters = append(ks.waiters, p)
	kl.mu.Unlock()
	return &p.d
}

func (kl *keyedLock[K]) isQueued(key K) bool {
	kl.mu.Lock()
	defer kl.mu.Unlock()
	ks := kl.keys[key]
	return ks != nil && len(ks.waiters) > 0
}

// admitsLocked reports whether a Permit of the given kind can be granted
// now, waiters aside.
func (ks *keyState[K]) admitsLocked(exclusive bool) bool {
	if exclusive {
		return !ks.exclusive && ks.shared == 0
	}
	return !ks.exclusive && (ks.limit == 0 || ks.shared < ks.limit)
}

func (ks *keyState[K]) grantLocked(p *Permit) {
	if p.exclusive {
		ks.exclusive = true
	} else {
		ks.shared++
	}
}

func (ks *keyState[K]) ungrantLocked(p *Permit) {
	if p.exclusive {
		ks.exclusive = false
	} else {
		ks.shared--
	}
}

func (ks *keyState[K]) release(p *Permit) {
	ks.l.mu.Lock()
	if p.released {
		ks.l.mu.Unlock()
		panic("deferred: Release of a Permit released already")
	}
	p.released = true
	ks.ungrantLocked(p)
	ks.dispatchLocked()
}

// dequeue is the canceller of a waiting Permit's Deferred: it leaves the
// queue, which may let the waiters behind it in (a writer at the head of
// the queue kept readers waiting behind it).
func (ks *keyState[K]) dequeue(p *Permit) {
	ks.l.mu.Lock()
	for i, w := range ks.waiters {
		if w == p {
			ks.waiters = slices.Delete(ks.waiters, i, i+1)
			ks.dispatchLocked()
			return
		}
	}
	// Not waiting: a hand-over took it, and finds it cancelled.
	ks.l.mu.Unlock()
}

// dispatchLocked hands the key to the waiters at the head of the queue
// that can hold it now, one after the other, and forgets the key once
// nobody holds or waits for it. A hand-over runs the new holder's
// callbacks; a release, a cancel or a new wait that they make (or that
// another goroutine makes meanwhile) only changes the state, and the loop
// running here takes it into account, so that hand-overs loop rather than
// nest on the stack. ks.l.mu is held, and released.
func (ks *keyState[K]) dispatchLocked() {
	kl := ks.l
	if ks.handing {
		kl.mu.Unlock()
		return
	}
	ks.handing = true
	for len(ks.waiters) > 0 && ks.admitsLocked(ks.waiters[0].exclusive) {
		p := ks.waiters[0]
		ks.waiters[0] = nil
		ks.waiters = ks.waiters[1:]
		ks.grantLocked(p) // p's while its callbacks run
		kl.mu.Unlock()
		took := ks.handTo(p)
		kl.mu.Lock()
		if !took {
			// p was cancelled after it left the queue: what it was
			// granted is ours to hand on.
			ks.ungrantLocked(p)
		}
	}
	ks.handing = false
	if ks.shared == 0 && !ks.exclusive && len(ks.waiters) == 0 && kl.keys[ks.key] == ks {
		delete(kl.keys, ks.key)
		kl.spare = ks
	}
	kl.mu.Unlock()
}

// handTo fires p's Deferred, whose callbacks run now, and reports whether
// p took what it was granted. If the goroutine exits in p's callbacks
// (runtime.Goexit), p holds it, and a new goroutine goes on with the
// hand-over.
func (ks *keyState[K]) handTo(p *Permit) bool {
	returned := false
	defer func() {
		if returned {
			return
		}
		ks.l.mu.Lock()
		ks.handing = false
		ks.l.mu.Unlock()
		go func() {
			ks.l.mu.Lock()
			ks.dispatchLocked()
		}()
	}()
	took := p.d.resolve(p, nil)
	returned = true
	return took
}
