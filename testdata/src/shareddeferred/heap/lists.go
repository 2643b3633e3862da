package heap

import "github.com/cancelcheck/cancelcheck/deferred"

// Slices: a slice element of a long-lived value, and Deferreds loaded from
// shared storage into a local slice and then gathered.

type Shards struct {
	parts []*deferred.Deferred[int]
	cache map[string]*deferred.Deferred[int]
}

var shards = &Shards{cache: map[string]*deferred.Deferred[int]{}}

//cancelcheck:cancellable
func OnPart(t *deferred.Task, i int) (int, error) {
	return deferred.Await(t, shards.parts[i]) // want `shared Deferred awaited by cancellable code: loaded from shards\.parts\[…\]; .*\(call path: OnPart\)`
}

// Built with make and an index, in a loop, then gathered: every input is
// a cached Deferred, and Gather broadcasts a cancel to all of them.

func (s *Shards) all(keys []string) *deferred.Deferred[[]int] {
	ds := make([]*deferred.Deferred[int], len(keys))
	for i, k := range keys {
		ds[i] = s.cache[k]
	}
	return deferred.Gather(ds, true) // want `shared Deferred handed to cancellable code: loaded from map s\.cache; .*\(call path: OnAll → Shards\.all\)`
}

//cancelcheck:cancellable
func OnAll(t *deferred.Task) (int, error) {
	vs, err := deferred.Await(t, shards.all([]string{"a", "b"}))
	return len(vs), deferred.UnwrapFirstError(err)
}

// Built with append, in a loop, then gathered and awaited in place.

//cancelcheck:cancellable
func OnSome(t *deferred.Task, keys []string) (int, error) {
	var ds []*deferred.Deferred[int]
	for _, k := range keys {
		if d, ok := shards.cache[k]; ok {
			ds = append(ds, d)
		}
	}
	vs, err := deferred.Await(t, deferred.Gather(ds, false)) // want `shared Deferred awaited by cancellable code: loaded from map shards\.cache; .*\(call path: OnSome\)`
	return len(vs), deferred.UnwrapFirstError(err)
}

// Good: each input shielded before it goes into the slice.

//cancelcheck:cancellable
func OnSomeShielded(t *deferred.Task, keys []string) (int, error) {
	var ds []*deferred.Deferred[int]
	for _, k := range keys {
		if d, ok := shards.cache[k]; ok {
			ds = append(ds, deferred.StopCancellation(d))
		}
	}
	vs, err := deferred.Await(t, deferred.Gather(ds, false))
	return len(vs), deferred.UnwrapFirstError(err)
}

// Good: Deferreds created in this call, kept in a local map and a local
// slice, are the caller's own.

func compute(k string) *deferred.Deferred[int] {
	return deferred.Succeed(len(k))
}

//cancelcheck:cancellable
func OnLocal(t *deferred.Task, keys []string) (int, error) {
	byKey := make(map[string]*deferred.Deferred[int], len(keys))
	for _, k := range keys {
		byKey[k] = compute(k)
	}
	list := make([]*deferred.Deferred[int], 0, len(byKey))
	for _, d := range byKey {
		list = append(list, d)
	}
	list = append(list, deferred.Run(func(t *deferred.Task) (int, error) { return 0, nil }))
	vs, err := deferred.Await(t, deferred.Gather(list, true))
	if err != nil {
		return 0, deferred.UnwrapFirstError(err)
	}
	n, err := deferred.Await(t, byKey["a"])
	return len(vs) + n, err
}
