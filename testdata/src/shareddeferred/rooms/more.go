package rooms

import "github.com/cancelcheck/cancelcheck/deferred"

// A method that hands out a field of its receiver: shared when the
// receiver is (a package variable), the caller's own when the caller made
// the value in the same call.

type request struct {
	done *deferred.Deferred[string]
}

func (r *request) Done() *deferred.Deferred[string] {
	return r.done // want `shared Deferred handed to cancellable code: loaded from field r\.done; .*\(call path: OnCurrent → request.Done\)`
}

var current = &request{done: deferred.New[string](nil)}

//cancelcheck:cancellable
func OnCurrent(t *deferred.Task) (string, error) {
	return deferred.Await(t, current.Done())
}

//cancelcheck:cancellable
func OnOwnRequest(t *deferred.Task) (string, error) {
	r := &request{done: fetch("k")}
	return deferred.Await(t, r.Done())
}

// Gather broadcasts a cancel to every input: shared inputs are cancelled
// for every waiter.

var rates = map[string]*deferred.Deferred[int]{}

//cancelcheck:cancellable
func OnRates(t *deferred.Task) ([]int, error) {
	return deferred.Await(t, deferred.Gather([]*deferred.Deferred[int]{rates["a"], deferred.Succeed(1)}, true)) // want `shared Deferred awaited by cancellable code: loaded from map rates; .*\(call path: OnRates\)`
}

// A loop awaiting shared Deferreds one after the other.

var shards = map[int]*deferred.Deferred[int]{}

//cancelcheck:cancellable
func OnShards(t *deferred.Task) (int, error) {
	sum := 0
	for i := range 4 {
		n, err := deferred.Await(t, shards[i]) // want `shared Deferred awaited by cancellable code: loaded from map shards; .*\(call path: OnShards\)`
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// Suppressed: every waiter belongs to the same request.

var batch = map[string]*deferred.Deferred[string]{}

func batchOf(key string) *deferred.Deferred[string] {
	//cancelcheck:ignore shareddeferred the batch has a single waiter, its request
	return batch[key]
}

//cancelcheck:cancellable
func OnBatch(t *deferred.Task) (string, error) {
	return deferred.Await(t, batchOf("k"))
}

// A Deferred kept in a struct held by value in a map.

type entry struct {
	d *deferred.Deferred[string]
}

var entries = map[string]entry{}

func entryOf(key string) *deferred.Deferred[string] {
	return entries[key].d // want `shared Deferred handed to cancellable code: loaded from field entries\[…\]\.d; .*\(call path: OnEntry → entryOf\)`
}

//cancelcheck:cancellable
func OnEntry(t *deferred.Task) (string, error) {
	return deferred.Await(t, entryOf("k"))
}

// Good: a package variable that only ever holds a fired Deferred: a cancel
// does nothing to it.

var ready = deferred.Succeed(struct{}{})

func waitReady() *deferred.Deferred[struct{}] {
	return ready
}

//cancelcheck:cancellable
func OnReady(t *deferred.Task) (int, error) {
	if _, err := deferred.Await(t, waitReady()); err != nil {
		return 0, err
	}
	return 200, nil
}
