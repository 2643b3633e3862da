// Package lookalike holds a singleflight of the code base's own, of
// singleflight's shape, and a cache that is not one.
package lookalike

import (
	"context"
	"database/sql"
	"sync"
)

type call struct {
	wg  sync.WaitGroup
	val any
	err error
}

// Flight runs one call per key for every concurrent caller.
type Flight struct {
	mu    sync.Mutex
	calls map[string]*call
}

func (g *Flight) Do(key string, fn func() (any, error)) (any, error) {
	g.mu.Lock()
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		c.wg.Wait()
		return c.val, c.err
	}
	c := new(call)
	c.wg.Add(1)
	g.calls[key] = c
	g.mu.Unlock()
	c.val, c.err = fn()
	c.wg.Done()
	g.mu.Lock()
	delete(g.calls, key)
	g.mu.Unlock()
	return c.val, c.err
}

// A generic one, as tailscale's.
type Group[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*result[V]
}

type result[V any] struct {
	done chan struct{}
	v    V
	err  error
}

func (g *Group[K, V]) Do(key K, fn func() (V, error)) (V, error) {
	g.mu.Lock()
	if r, ok := g.m[key]; ok {
		g.mu.Unlock()
		<-r.done
		return r.v, r.err
	}
	r := &result[V]{done: make(chan struct{})}
	g.m[key] = r
	g.mu.Unlock()
	r.v, r.err = fn()
	close(r.done)
	return r.v, r.err
}

type Store struct {
	db     *sql.DB
	flight Flight
	users  Group[int, string]
}

func (s *Store) Count(ctx context.Context, table string) (int, error) {
	v, err := s.flight.Do(table, func() (any, error) { // want `the function given to lookalike.Flight.Do works under the caller's ctx`
		var n int
		err := s.db.QueryRowContext(ctx, "select count(*) from "+table).Scan(&n)
		return n, err
	})
	if err != nil {
		return 0, err
	}
	return v.(int), nil
}

func (s *Store) User(ctx context.Context, id int) (string, error) {
	return s.users.Do(id, func() (string, error) { // want `the function given to lookalike.Group.Do works under the caller's ctx`
		var name string
		err := s.db.QueryRowContext(ctx, "select name from users where id = ?", id).Scan(&name)
		return name, err
	})
}

// Not singleflight's shape: Do runs the function for this caller alone
// (a retrying runner, keyed by nothing), so its context is the caller's
// business.
type Retrier struct{ attempts int }

func (r *Retrier) Do(key string, fn func() (any, error)) (any, error) {
	var err error
	for i := 0; i < r.attempts; i++ {
		var v any
		if v, err = fn(); err == nil {
			return v, nil
		}
	}
	return nil, err
}

func (s *Store) Retried(ctx context.Context, r *Retrier, table string) error {
	_, err := r.Do(table, func() (any, error) {
		return s.db.ExecContext(ctx, "vacuum "+table)
	})
	return err
}
