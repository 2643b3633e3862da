package deferred_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// An async function awaits a Deferred; the client gives up, the cancel
// travels down to the awaited Deferred, and the *CancelledError travels back
// up out of Await.
func ExampleRun() {
	fetch := deferred.New[string](nil) // an operation that has not finished
	request := deferred.Run(func(t *deferred.Task) (string, error) {
		body, err := deferred.Await(t, fetch)
		if err != nil {
			return "", fmt.Errorf("loading room: %w", err)
		}
		return body, nil
	})
	request.CancelWithReason("client disconnected")
	_, err, _ := request.Result()
	fmt.Println(err)
	fmt.Println(errors.Is(err, deferred.ErrCancelled))
	// Output:
	// loading room: deferred: cancelled: client disconnected
	// true
}

// network stands in for an HTTP client: every GET is a Deferred that fires
// when respond is called, in the order of the requests.
type network struct{ pending []*deferred.Deferred[string] }

func (n *network) get(url string) *deferred.Deferred[string] {
	d := deferred.New[string](nil)
	n.pending = append(n.pending, d)
	return d
}

func (n *network) respond() {
	for len(n.pending) > 0 {
		d := n.pending[0]
		n.pending = n.pending[1:]
		d.Callback("200 OK")
	}
}

// racyCounter is seed 001's first NetworkCounter: its asynchronous critical
// section (count, record, read count back) is not protected.
type racyCounter struct {
	net   *network
	count int
}

func (c *racyCounter) next() *deferred.Deferred[int] {
	c.count++
	recording := c.net.get(fmt.Sprint("http://example.com/record-count?value=", c.count))
	return deferred.Then(recording, func(string) (int, error) { return c.count, nil })
}

// Two overlapping calls of next share the count: both read it after both
// incremented it, and print the "corrupt" result of seed 001.
func Example_networkCounterRace() {
	net := &network{}
	counter := &racyCounter{net: net}
	d1 := counter.next()
	d2 := counter.next()
	d1.AddCallback(func(v int) (int, error) { fmt.Println(v, "d1"); return v, nil })
	d2.AddCallback(func(v int) (int, error) { fmt.Println(v, "d2"); return v, nil })
	net.respond()
	// Output:
	// 2 d1
	// 2 d2
}

// lockedCounter is seed 001's NetworkCounter with a DeferredLock: WithLock
// runs the critical section once the lock is free, and releases it when the
// Deferred the section hands back fires.
type lockedCounter struct {
	net   *network
	lock  deferred.Lock
	count int
}

func (c *lockedCounter) next() *deferred.Deferred[int] {
	return deferred.WithLock(&c.lock, func() *deferred.Deferred[int] {
		c.count++
		recording := c.net.get(fmt.Sprint("http://example.com/record-count?value=", c.count))
		return deferred.Then(recording, func(string) (int, error) { return c.count, nil })
	})
}

// With the lock, the second call starts only when the first has finished.
func ExampleWithLock() {
	net := &network{}
	counter := &lockedCounter{net: net}
	d1 := counter.next()
	d2 := counter.next()
	d1.AddCallback(func(v int) (int, error) { fmt.Println(v, "d1"); return v, nil })
	d2.AddCallback(func(v int) (int, error) { fmt.Println(v, "d2"); return v, nil })
	net.respond() // answers the first GET; the second one starts
	net.respond()
	// Output:
	// 1 d1
	// 2 d2
}

// errGibberish is what the Byronification engine of seed 003 fails with
// when its input is not a genuine poem.
var errGibberish = errors.New("gibberish")

// byronificate is the engine: it may fail with errGibberish, and it has
// bugs (a panic) that nobody expected.
func byronificate(poem string) (string, error) {
	switch {
	case strings.Contains(poem, "blah"):
		return "", errGibberish
	case strings.Contains(poem, "bug"):
		var words []string
		return words[0], nil // a bug: index out of range
	}
	return "Byron's " + poem, nil
}

// downloadPoem runs seed 003's chain on a download that fails or succeeds.
// Each stage's failure goes to the next stage's errback: a failed download
// skips the engine; a gibberish poem counts as a failed download; any other
// engine failure, a panic included, falls back to the original poem.
func downloadPoem(poem string, downloadErr error) {
	var original string
	d := deferred.New[string](nil)                    // get_poetry(host, port)
	d.AddCallback(func(poem string) (string, error) { // stage 0
		original = poem
		return byronificate(poem)
	})
	d.AddErrback(func(err error) (string, error) { // stage 1
		if original == "" || errors.Is(err, errGibberish) {
			return "", err // the download failed, or nothing worth printing
		}
		return original, nil // an engine bug: use the original poem
	})
	d.AddCallbacks( // stage 2
		func(poem string) (string, error) { fmt.Println(poem); return poem, nil },
		func(err error) (string, error) { fmt.Println("The poem download failed."); return "", nil },
	)
	if downloadErr != nil {
		d.Errback(downloadErr)
	} else {
		d.Callback(poem)
	}
}

// Seed 003's poem client: callbacks and errbacks in pairs, stage by stage.
func ExampleDeferred_AddCallbacks() {
	downloadPoem("She walks in beauty", nil)
	downloadPoem("", errors.New("connection refused"))
	downloadPoem("blah blah", nil)
	downloadPoem("a poem that hits a bug", nil)
	// Output:
	// Byron's She walks in beauty
	// The poem download failed.
	// The poem download failed.
	// a poem that hits a bug
}

// Gather waits for all inputs; cancelling it cancels every input, and the
// cancellation comes back wrapped in a *FirstError.
func ExampleGather() {
	a, b := deferred.New[string](nil), deferred.New[string](nil)
	all := deferred.Gather([]*deferred.Deferred[string]{a, b}, true)
	b.Callback("second")
	a.Callback("first")
	values, _, _ := all.Result()
	fmt.Println(values)

	pending := deferred.Gather([]*deferred.Deferred[string]{deferred.New[string](nil), deferred.New[string](nil)}, true)
	pending.Cancel()
	_, err, _ := pending.Result()
	fmt.Println(err)
	_, isCancelled := err.(*deferred.CancelledError)
	fmt.Println("type assertion sees the cancellation:", isCancelled)
	_, isCancelled = deferred.UnwrapFirstError(err).(*deferred.CancelledError)
	fmt.Println("after UnwrapFirstError:", isCancelled)
	// Output:
	// [first second]
	// deferred: input 0 failed first: deferred: cancelled
	// type assertion sees the cancellation: false
	// after UnwrapFirstError: true
}

// A Deferred shared between requests (Synapse's wait_for_room): each
// request awaits StopCancellation(shared), so a request that is cancelled
// gets its *CancelledError without cancelling the shared Deferred under
// the other requests.
func ExampleStopCancellation() {
	roomReady := deferred.New[string](nil) // shared, e.g. kept in a cache
	request := func(name string) *deferred.Deferred[string] {
		return deferred.Run(func(t *deferred.Task) (string, error) {
			room, err := deferred.Await(t, deferred.StopCancellation(roomReady))
			if err != nil {
				fmt.Println(name, "gave up:", err)
				return "", err
			}
			fmt.Println(name, "got", room)
			return room, nil
		})
	}
	request("request 1").Cancel()
	request("request 2")
	roomReady.Callback("!room:matrix.org")
	// Output:
	// request 1 gave up: deferred: cancelled
	// request 2 got !room:matrix.org
}

// DelayCancellation makes a cancelled request wait for work it must not
// outlive (Synapse's delay_cancellation): the *CancelledError comes only
// once the work is done, and the work is never cancelled.
func ExampleDelayCancellation() {
	work := deferred.New[string](nil)
	request := deferred.Run(func(t *deferred.Task) (string, error) {
		_, err := deferred.Await(t, deferred.DelayCancellation(work))
		fmt.Println("request resumes:", err)
		return "", err
	})
	request.Cancel()
	fmt.Println("cancel returned; work cancelled:", work.Called())
	work.Callback("done")
	// Output:
	// cancel returned; work cancelled: false
	// request resumes: deferred: cancelled
}

// An Observable gives each waiter a Deferred of its own (Synapse's
// ObservableDeferred): cancelling one waiter touches neither the source
// nor the other waiters.
func ExampleObservable() {
	source := deferred.New[int](nil)
	o := deferred.NewObservable(source, true)
	first, second := o.Observe(), o.Observe()
	first.Cancel()
	source.Callback(42)
	_, err, _ := first.Result()
	v, _, _ := second.Result()
	fmt.Println("first:", err)
	fmt.Println("second:", v)
	late, _, _ := o.Observe().Result()
	fmt.Println("late observer:", late)
	// Output:
	// first: deferred: cancelled
	// second: 42
	// late observer: 42
}
