// Package shares holds work shared by concurrent callers that runs under
// the context of the caller that started it.
package shares

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

type Profile struct{ Name string }

type Profiles struct {
	db    *sql.DB
	group singleflight.Group
}

func (p *Profiles) load(ctx context.Context, id string) (*Profile, error) {
	var pr Profile
	err := p.db.QueryRowContext(ctx, "select name from profiles where id = ?", id).Scan(&pr.Name)
	return &pr, err
}

// The classic: the first caller's ctx runs the query for every waiter.
func (p *Profiles) Get(ctx context.Context, id string) (*Profile, error) {
	v, err, _ := p.group.Do(id, func() (any, error) { // want `ctxshared: the function given to singleflight.Group.Do works under the caller's ctx; give it context.WithoutCancel\(ctx\) and a timeout of its own: singleflight.Group.Do runs it once for every concurrent caller with the same key`
		return p.load(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Profile), nil
}

// A derived context is still the caller's: its own timeout adds to the
// caller's cancellation, it does not replace it.
func (p *Profiles) GetWithin(ctx context.Context, id string) (*Profile, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	ch := p.group.DoChan(id, func() (any, error) { // want `the function given to singleflight.Group.DoChan works under the caller's ctx`
		return p.load(ctx, id)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Profile), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// A derivation inside the closure is the caller's too.
func (p *Profiles) GetInside(ctx context.Context, id string) (*Profile, error) {
	v, err, _ := p.group.Do(id, func() (any, error) { // want `works under the caller's ctx`
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return p.load(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Profile), nil
}

// Waiting on the caller's ctx inside the shared work poisons the waiters
// as well.
func (p *Profiles) Wait(ctx context.Context, id string, ready <-chan struct{}) error {
	_, err, _ := p.group.Do(id, func() (any, error) { // want `works under the caller's ctx`
		select {
		case <-ready:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	return err
}

// A retry on the waiter's side does not help: it reruns the work under
// another caller's context, and the first waiters have failed already.
func (p *Profiles) GetRetrying(ctx context.Context, id string) (*Profile, error) {
	for attempt := 0; ; attempt++ {
		v, err, _ := p.group.Do(id, func() (any, error) { // want `works under the caller's ctx`
			return p.load(ctx, id)
		})
		if errors.Is(err, context.Canceled) && ctx.Err() == nil && attempt < 3 {
			continue // someone else's cancellation
		}
		if err != nil {
			return nil, err
		}
		return v.(*Profile), nil
	}
}

// The request's context of an http.Handler, through r.Context() in the
// closure.
func (p *Profiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	v, err, _ := p.group.Do(id, func() (any, error) { // want `works under the caller's r`
		return p.load(r.Context(), id)
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Write([]byte(v.(*Profile).Name))
}

// Through a variable and an enclosing closure.
func (p *Profiles) GetAll(ctx context.Context, ids []string) error {
	reqCtx := context.WithValue(ctx, traceKey{}, "all")
	each := func(id string) error {
		_, err, _ := p.group.Do(id, func() (any, error) { // want `works under the caller's reqCtx`
			return p.load(reqCtx, id)
		})
		return err
	}
	for _, id := range ids {
		if err := each(id); err != nil {
			return err
		}
	}
	return nil
}

type traceKey struct{}

// sync.Once: the first caller's cancellation fails the one run for good.
type Client struct {
	once sync.Once
	conn *sql.Conn
	err  error
	db   *sql.DB
}

func (c *Client) Conn(ctx context.Context) (*sql.Conn, error) {
	c.once.Do(func() { // want `the function given to sync.Once.Do works under the caller's ctx; give it context.WithoutCancel\(ctx\) and a timeout of its own: sync.Once.Do runs it once, for every caller`
		c.conn, c.err = c.db.Conn(ctx)
	})
	return c.conn, c.err
}

// A closure kept by the one run, for later callers, that works under the
// first caller's context.
type DiskInfo struct {
	once   sync.Once
	update func() (int64, error)
}

func (d *DiskInfo) Free(ctx context.Context, db *sql.DB) (int64, error) {
	d.once.Do(func() { // want `sync.Once.Do works under the caller's ctx`
		d.update = func() (int64, error) {
			var n int64
			err := db.QueryRowContext(ctx, "select free from disk").Scan(&n)
			return n, err
		}
	})
	return d.update()
}

// An unexported helper that one caller gives its own ctx.
type credCache struct{ group singleflight.Group }

func (c *credCache) getOrCreate(ctx context.Context, p *Profiles, audience string) (*Profile, error) {
	v, err, _ := c.group.Do(audience, func() (any, error) { // want `works under the caller's ctx`
		return p.load(ctx, audience)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Profile), nil
}

type interceptor struct {
	ctx   context.Context
	p     *Profiles
	cache *credCache
}

func (i *interceptor) Background(audience string) (*Profile, error) {
	return i.cache.getOrCreate(i.ctx, i.p, audience)
}

func (i *interceptor) PerCall(ctx context.Context, audience string) (*Profile, error) {
	return i.cache.getOrCreate(ctx, i.p, audience)
}
