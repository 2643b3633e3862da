package deferred_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
)

// Two requests for one room take turns; a request for another room does
// not wait. The second request for the room gives up while it waits, and
// leaves the queue; the third gets the room next.
func ExampleLinearizer() {
	var rooms deferred.Linearizer[string]
	var log []string
	gates := map[string]*deferred.Deferred[struct{}]{}
	handle := func(name, room string) *deferred.Deferred[struct{}] {
		gates[name] = deferred.New[struct{}](nil)
		return deferred.Run(func(t *deferred.Task) (struct{}, error) {
			p, err := deferred.Await(t, rooms.Queue(room))
			if err != nil {
				log = append(log, name+": "+err.Error())
				return struct{}{}, err
			}
			defer p.Release()
			log = append(log, name+" works on "+room)
			return deferred.Await(t, gates[name])
		})
	}
	handle("a", "!kitchen")
	b := handle("b", "!kitchen")
	handle("c", "!kitchen")
	handle("d", "!garden")
	fmt.Println(rooms.IsQueued("!kitchen"), rooms.IsQueued("!garden"))
	b.CancelWithReason("client gone")
	gates["a"].Callback(struct{}{})
	fmt.Println(strings.Join(log, "\n"))
	// Output:
	// true false
	// a works on !kitchen
	// d works on !garden
	// b: deferred: cancelled: client gone
	// c works on !kitchen
}

// A loop that refreshes a cache every minute. A refresh that takes two
// and a half minutes makes the loop skip the two minutes it missed.
func ExampleLoopingCall() {
	var clock deferredtest.Clock
	slow := true
	lc := deferred.NewLoopingCall(&clock, func(count int) *deferred.Deferred[struct{}] {
		fmt.Printf("refresh at %v, %d interval(s) since the last\n", clock.Now().Sub(time.Unix(0, 0)), count)
		if slow {
			slow = false
			return deferred.Sleep(&clock, 150*time.Second)
		}
		return deferred.Succeed(struct{}{})
	})
	done := lc.Start(time.Minute, true)
	clock.Advance(4 * time.Minute)
	lc.Stop()
	_, err, _ := done.Result()
	fmt.Println("stopped:", err == nil)
	// Output:
	// refresh at 0s, 1 interval(s) since the last
	// refresh at 3m0s, 3 interval(s) since the last
	// refresh at 4m0s, 1 interval(s) since the last
	// stopped: true
}

// An async function calls blocking, context-aware code with Go; plain Go
// code waits for the async function with Wait. Cancelling the outer
// context reaches the blocking call's context.
func ExampleGo() {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	lookup := deferred.Run(func(t *deferred.Task) (string, error) {
		return deferred.Await(t, deferred.Go(t.Context(), func(ctx context.Context) (string, error) {
			close(started)
			<-ctx.Done() // a slow query, which stops when its context is done
			return "", ctx.Err()
		}))
	})
	<-started
	cancel()
	_, err := deferred.Wait(ctx, lookup)
	fmt.Println(errors.Is(err, deferred.ErrCancelled), errors.Is(err, context.Canceled))
	// Output:
	// true true
}

// At most two fetches run at once; the first failure cancels the fetch
// still running and starts no more.
func ExampleConcurrentlyExecute() {
	fetches := map[string]*deferred.Deferred[string]{}
	all := deferred.ConcurrentlyExecute([]string{"a", "b", "c", "d"}, 2, func(name string) *deferred.Deferred[string] {
		fmt.Println("fetch", name)
		fetches[name] = deferred.New[string](nil)
		return fetches[name]
	})
	fetches["a"].Callback("A")
	fetches["c"].Errback(errors.New("c is gone"))
	_, err, _ := all.Result()
	_, berr, _ := fetches["b"].Result()
	fmt.Println(err)
	fmt.Println(berr)
	// Output:
	// fetch a
	// fetch b
	// fetch c
	// c is gone
	// deferred: cancelled: another call failed
}
