package heap

import "github.com/cancelcheck/cancelcheck/deferred"

// Layered code: helpers that await what they are given. The caller that
// hands one a shared Deferred hands it to cancellable code.

func await[T any](t *deferred.Task, d *deferred.Deferred[T]) (T, error) {
	v, err := deferred.Await(t, d)
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

func gatherAll[T any](t *deferred.Task, ds []*deferred.Deferred[T]) ([]T, error) {
	vs, err := deferred.Await(t, deferred.Gather(ds, true))
	return vs, deferred.UnwrapFirstError(err)
}

type Store struct {
	loads map[string]*deferred.Deferred[string]
}

//cancelcheck:cancellable
func (s *Store) OnLoad(t *deferred.Task, key string) (string, error) {
	return await(t, s.loads[key]) // want `shared Deferred awaited by cancellable code, in await: loaded from map s\.loads; .*\(call path: Store\.OnLoad\)`
}

func (s *Store) peek(key string) *deferred.Deferred[string] {
	return s.loads[key] // want `shared Deferred handed to cancellable code: loaded from map s\.loads; .*\(call path: Store\.OnPeek → Store\.peek\)`
}

//cancelcheck:cancellable
func (s *Store) OnPeek(t *deferred.Task, key string) (string, error) {
	d := s.peek(key)
	return await(t, d)
}

// Every Deferred in the map, gathered by a helper: the slice is built
// from a range over the map.

//cancelcheck:cancellable
func (s *Store) OnLoadAll(t *deferred.Task) (int, error) {
	var ds []*deferred.Deferred[string]
	for _, d := range s.loads {
		ds = append(ds, d)
	}
	vs, err := gatherAll(t, ds) // want `shared Deferred awaited by cancellable code, in gatherAll: loaded from map s\.loads; .*\(call path: Store\.OnLoadAll\)`
	return len(vs), err
}

// Good: shielded before they are handed over, or the caller's own.

//cancelcheck:cancellable
func (s *Store) OnLoadShielded(t *deferred.Task, key string) (string, error) {
	return await(t, deferred.StopCancellation(s.loads[key]))
}

//cancelcheck:cancellable
func (s *Store) OnLoadAllOwn(t *deferred.Task, keys []string) (int, error) {
	ds := make([]*deferred.Deferred[string], 0, len(keys))
	for _, k := range keys {
		ds = append(ds, deferred.Succeed(k))
	}
	vs, err := gatherAll(t, ds)
	return len(vs), err
}
