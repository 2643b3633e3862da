// Package detached holds shared work that no single caller's context
// governs: silent.
package detached

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

type Profile struct{ Name string }

type Profiles struct {
	db    *sql.DB
	group singleflight.Group
	// ctx is the server's own context, ended at shutdown: every caller's.
	ctx context.Context
}

func (p *Profiles) load(ctx context.Context, id string) (*Profile, error) {
	var pr Profile
	err := p.db.QueryRowContext(ctx, "select name from profiles where id = ?", id).Scan(&pr.Name)
	return &pr, err
}

// Detached, with a timeout of its own.
func (p *Profiles) Get(ctx context.Context, id string) (*Profile, error) {
	v, err, _ := p.group.Do(id, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return p.load(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Profile), nil
}

// Detached before the closure is made: the reassignment is what it sees.
func (p *Profiles) GetDetached(ctx context.Context, id string) (*Profile, error) {
	ctx = context.WithoutCancel(ctx)
	v, err, _ := p.group.Do(id, func() (any, error) {
		return p.load(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Profile), nil
}

// A context of its own.
func (p *Profiles) GetBackground(id string) (*Profile, error) {
	v, err, _ := p.group.Do(id, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return p.load(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Profile), nil
}

// The server's context, not the caller's.
func (p *Profiles) GetServer(id string) (*Profile, error) {
	v, err, _ := p.group.Do(id, func() (any, error) {
		return p.load(p.ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Profile), nil
}

// The closure uses no context; the caller's ctx bounds only its own wait.
func (p *Profiles) Cached(ctx context.Context, id string, compute func(string) *Profile) (*Profile, error) {
	ch := p.group.DoChan(id, func() (any, error) {
		return compute(id), nil
	})
	select {
	case r := <-ch:
		return r.Val.(*Profile), r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Logging with the caller's context carries its values, not its
// cancellation.
func (p *Profiles) Logged(ctx context.Context, id string) (*Profile, error) {
	v, err, _ := p.group.Do(id, func() (any, error) {
		slog.InfoContext(ctx, "loading", "id", id)
		return p.load(p.ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Profile), nil
}

// sync.Once that dials under a context of its own.
type Client struct {
	once sync.Once
	conn *sql.Conn
	err  error
	db   *sql.DB
}

func (c *Client) Conn(ctx context.Context) (*sql.Conn, error) {
	c.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		c.conn, c.err = c.db.Conn(ctx)
	})
	return c.conn, c.err
}

// A helper that detaches: its summary says it keeps nothing of the
// caller's cancellation.
func detach(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

func (p *Profiles) GetHelper(ctx context.Context, id string) (*Profile, error) {
	dctx := detach(ctx)
	v, err, _ := p.group.Do(id, func() (any, error) {
		return p.load(dctx, id)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Profile), nil
}

// An unexported helper whose every caller in the package gives it the
// interceptor's own context, not a call's: the shared work runs under a
// context that ends for everybody at once (grpc-go's gcp_authn cache).
type interceptor struct {
	ctx   context.Context
	p     *Profiles
	cache *credCache
}

type credCache struct{ group singleflight.Group }

func (c *credCache) getOrCreate(ctx context.Context, p *Profiles, audience string) (*Profile, error) {
	v, err, _ := c.group.Do(audience, func() (any, error) {
		return p.load(ctx, audience)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Profile), nil
}

func (i *interceptor) NewStream(ctx context.Context, audience string) (*Profile, error) {
	return i.cache.getOrCreate(i.ctx, i.p, audience)
}

// A logger looked up in the caller's context reads its values, not its
// cancellation (zerolog's log.Ctx, containerd's log.G).
type Logger struct{ prefix string }

func (l *Logger) Printf(format string, args ...any) {}

type loggerKey struct{}

func LoggerFrom(ctx context.Context) *Logger {
	if l, ok := ctx.Value(loggerKey{}).(*Logger); ok {
		return l
	}
	return &Logger{}
}

type Marker struct {
	group singleflight.Group
	down  sync.Map
}

func (m *Marker) MarkDown(ctx context.Context, target string) {
	m.group.Do(target, func() (any, error) {
		m.down.Store(target, time.Now())
		LoggerFrom(ctx).Printf("marked %s down", target)
		return nil, nil
	})
}
