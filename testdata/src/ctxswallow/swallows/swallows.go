// Package swallows holds cancellations swallowed, or reported as success.
package swallows

import (
	"context"
	"database/sql"
	"errors"
	"log"
	"net/http"
	"strings"
	"time"
)

type Item struct{ Key string }

type Cache struct {
	db      *sql.DB
	pending chan *Item
}

// A select that answers "no item" when the caller has gone.
func (c *Cache) Get(ctx context.Context, key string) (*Item, error) {
	select {
	case it := <-c.pending:
		return it, nil
	case <-ctx.Done():
		return nil, nil // want `ctxswallow: returns a nil error after <-ctx.Done\(\): the caller takes the cancelled operation for a completed one; return ctx.Err\(\)`
	}
}

// Partial results returned as if complete.
func (c *Cache) Collect(ctx context.Context, n int) ([]*Item, error) {
	var out []*Item
	for len(out) < n {
		if ctx.Err() != nil {
			break
		}
		out = append(out, <-c.pending)
	}
	return out, nil // want `returns a nil error after ctx.Err\(\) != nil`
}

// An error recognised as a cancellation, and turned into success.
func (c *Cache) Count(ctx context.Context) (int, error) {
	var n int
	err := c.db.QueryRowContext(ctx, "select count(*) from items").Scan(&n)
	if errors.Is(err, context.Canceled) {
		return 0, nil // want `returns a nil error after errors.Is\(err, context.Canceled\)`
	}
	return n, err
}

// Errors filtered out as "just cancellation", then nil returned.
func (c *Cache) Warm(ctx context.Context, keys []string) (int, error) {
	warmed := 0
	for _, k := range keys {
		if _, err := c.db.ExecContext(ctx, "insert into warm values (?)", k); err != nil {
			if !errors.Is(err, context.Canceled) {
				return warmed, err
			}
			continue
		}
		warmed++
	}
	return warmed, nil // want `returns a nil error after errors.Is\(err, context.Canceled\)`
}

// A retry loop with no look at the context.
func (c *Cache) Push(ctx context.Context, batch []string) {
	for {
		_, err := c.db.ExecContext(ctx, "insert into batches values (?)", len(batch))
		if err != nil { // want `ctxswallow: the loop calls sql.DB.ExecContext again after it failed, and nothing in it ends the loop once the context is done`
			log.Printf("push: %v", err)
			time.Sleep(time.Second)
			continue
		}
		return
	}
}

// A counted retry: after a cancellation it still sleeps through every
// attempt.
func (c *Cache) Ping(ctx context.Context) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = c.db.PingContext(ctx); err == nil { // want `the loop calls sql.DB.PingContext again`
			return nil
		}
		time.Sleep(time.Duration(attempt) * time.Second)
	}
	return err
}

// A helper that tests right, and a cancellation reported as success after
// it.
func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (c *Cache) Size(ctx context.Context) (int64, error) {
	var n int64
	err := c.db.QueryRowContext(ctx, "select sum(size) from items").Scan(&n)
	if isCanceled(err) {
		return 0, nil // want `returns a nil error after isCanceled\(err\)`
	}
	return n, err
}

// A deferred function that turns a cancellation into success.
func (c *Cache) Total(ctx context.Context) (n int64, err error) {
	defer func() {
		if errors.Is(err, context.Canceled) {
			err = nil // want `ctxswallow: the deferred function sets the error result to nil after errors.Is\(err, context.Canceled\)`
		}
	}()
	err = c.db.QueryRowContext(ctx, "select count(*) from items").Scan(&n)
	return n, err
}

// A loop over items that skips the failed ones and returns the rest as
// the whole.
func (c *Cache) Items(ctx context.Context, keys []string) ([]*Item, error) {
	var out []*Item
	for _, k := range keys {
		var it Item
		if err := c.db.QueryRowContext(ctx, "select k from items where k = ?", k).Scan(&it.Key); err != nil { // want `the loop goes on to the next item after sql.Row.Scan failed, and the function returns a nil error with what it got`
			log.Printf("item %s: %v", k, err)
			continue
		}
		out = append(out, &it)
	}
	return out, nil
}

// A retry whose backoff is guarded by the round number: still a retry of
// the same call.
func (c *Cache) retryAfterFirst(ctx context.Context, key string) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
		}
		if _, err = c.db.ExecContext(ctx, "delete from items where k = ?", key); err == nil { // want `the loop calls sql.DB.ExecContext again after it failed`
			return nil
		}
	}
	return err
}

// A worker woken by a ticker that syncs under its context and never looks
// at it: once the context is done, every tick fails at once, for good.
func (c *Cache) syncEvery(ctx context.Context, keys <-chan string) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if _, err := c.db.ExecContext(ctx, "update items set synced = 1"); err != nil { // want `the loop calls sql.DB.ExecContext again after it failed`
				log.Printf("sync: %v", err)
			}
		case k := <-keys:
			log.Printf("key %s", k)
		}
	}
}

// A retry that builds the same request each round: still a retry of the
// same call (constellation's WaitForCilium).
func waitHealthy(ctx context.Context, c *http.Client, url string) {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return
		}
		resp, err := c.Do(req)
		if err != nil { // want `the loop calls http.Client.Do again after it failed`
			time.Sleep(time.Second)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return
		}
	}
}

// The same worker on a bus that keeps its caller's context: once that
// context is done, every round fails at once, for good.
type bus struct {
	ctx context.Context
	db  *sql.DB
}

func newBus(ctx context.Context, db *sql.DB) *bus {
	b := &bus{ctx: context.Background(), db: db}
	if ctx != nil {
		b.ctx = ctx
	}
	go b.readWorker()
	return b
}

func (b *bus) readWorker() {
	delay := time.Millisecond
	for {
		if _, err := b.db.ExecContext(b.ctx, "select 1"); err != nil { // want `the loop calls sql.DB.ExecContext again after it failed`
			log.Printf("receive: %v", err)
			time.Sleep(delay)
			delay *= 2
			continue
		}
		delay = 0
	}
}

// A retry bounded only by a timer: after a cancellation it pings once a
// second until the minute is up.
func pingUntil(ctx context.Context, db *sql.DB) {
	deadline := time.After(time.Minute)
	t := time.NewTimer(time.Second)
	for {
		if err := db.PingContext(ctx); err == nil { // want `the loop calls sql.DB.PingContext again after it failed`
			return
		}
		select {
		case <-deadline:
			return
		case <-t.C:
			t.Reset(time.Second)
		}
	}
}

// The walk of idioms' Root with a test of the message: a cancellation's
// message is no "not found", but the helper proves nothing of the kind.
func isMissing(err error) bool { return err != nil && strings.Contains(err.Error(), "not found") }

func (c *Cache) Root(ctx context.Context, key string) (string, error) {
	for {
		var p string
		err := c.db.QueryRowContext(ctx, "select parent from items where k = ?", key).Scan(&p)
		if err != nil { // want `the loop goes on to the next item after sql.Row.Scan failed`
			if !isMissing(err) {
				return "", err
			}
			break
		}
		key = p
	}
	return key, nil
}
