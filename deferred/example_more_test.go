package deferred_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
)

// A request handler gives a slow backend five seconds. The timeout cancels
// the fetch (which learns why) and reaches the handler as a *TimeoutError:
// not a cancellation of the handler, so it may fall back; a real
// cancellation of the handler still passes through.
func ExampleTimeout() {
	var clock deferredtest.Clock       // deferred.RealClock{} outside tests
	fetch := deferred.New[string](nil) // a backend that does not answer
	page := deferred.Run(func(t *deferred.Task) (string, error) {
		body, err := deferred.Await(t, deferred.Timeout(fetch, 5*time.Second, &clock))
		if errors.Is(err, deferred.ErrTimeout) {
			return "(cached copy)", nil
		}
		return body, err
	})
	clock.Advance(5 * time.Second)
	body, _, _ := page.Result()
	fmt.Println(body)
	_, err, _ := fetch.Result()
	fmt.Println(err)
	// Output:
	// (cached copy)
	// deferred: cancelled: timed out after 5s
}

// At most two downloads run at once; the third starts when one of the first
// two is done.
func ExampleSemaphore() {
	sem := deferred.NewSemaphore(2)
	replies := map[string]*deferred.Deferred[string]{}
	for _, name := range []string{"a", "b", "c"} {
		replies[name] = deferred.New[string](nil)
		deferred.WithSemaphore(sem, func() *deferred.Deferred[string] {
			fmt.Println("downloading", name)
			return replies[name]
		})
	}
	fmt.Println("free tokens:", sem.Tokens())
	replies["b"].Callback("B")
	replies["a"].Callback("A")
	replies["c"].Callback("C")
	fmt.Println("free tokens:", sem.Tokens())
	// Output:
	// downloading a
	// downloading b
	// free tokens: 0
	// downloading c
	// free tokens: 2
}

// A worker takes jobs from a queue that holds at most two; cancelled while it
// waits for the next job, it leaves the queue.
func ExampleQueue() {
	jobs := deferred.NewQueue[string](2, deferred.Unlimited)
	for _, job := range []string{"a", "b", "c"} {
		if err := jobs.Put(job); err != nil {
			fmt.Println("put", job+":", err)
		}
	}
	worker := deferred.Run(func(t *deferred.Task) (struct{}, error) {
		for {
			job, err := deferred.Await(t, jobs.Get())
			if err != nil {
				return struct{}{}, err
			}
			fmt.Println("working on", job)
		}
	})
	jobs.Put("d")
	worker.AddErrback(func(err error) (struct{}, error) {
		fmt.Println("worker stopped:", err)
		return struct{}{}, nil
	})
	worker.Cancel()
	fmt.Println("waiting Gets:", jobs.Waiting())
	// Output:
	// put c: deferred: queue full
	// working on a
	// working on b
	// working on d
	// worker stopped: deferred: cancelled
	// waiting Gets: 0
}

// Ask two mirrors and take the first answer; the slower request is
// cancelled, which stops its timer.
func ExampleRace() {
	var clock deferredtest.Clock
	mirror := func(name string, latency time.Duration) *deferred.Deferred[string] {
		return deferred.DeferLater(&clock, latency, func() (string, error) { return "from " + name, nil })
	}
	fastest := deferred.Race([]*deferred.Deferred[string]{
		mirror("eu", 80*time.Millisecond),
		mirror("us", 30*time.Millisecond),
	})
	clock.Advance(30 * time.Millisecond)
	w, _, _ := fastest.Result()
	fmt.Println(w.Index, w.Value)
	fmt.Println("timers pending:", len(clock.Pending()))
	// Output:
	// 1 from us
	// timers pending: 0
}
