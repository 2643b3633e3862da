// Package idioms holds the correct ways to end on a cancellation: nothing
// here is reported.
package idioms

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

type Item struct{ Key string }

type Cache struct {
	db      *sql.DB
	pending chan *Item
}

// The cancellation said as an error.
func (c *Cache) Get(ctx context.Context, key string) (*Item, error) {
	select {
	case it := <-c.pending:
		return it, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// A worker whose only result is an error: nil on shutdown is the idiom.
func (c *Cache) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case it := <-c.pending:
			log.Printf("item %s", it.Key)
		}
	}
}

// A timeout of its own: its end is an answer, not a cancellation.
func (c *Cache) Alive(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	err := c.db.PingContext(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return false, nil
	}
	return err == nil, err
}

// First answer wins: the others are cancelled by the function itself.
func (c *Cache) First(ctx context.Context, keys []string) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	results := make(chan string, len(keys))
	errs := make(chan error, len(keys))
	for _, k := range keys {
		go func() {
			var v string
			if err := c.db.QueryRowContext(ctx, "select v from kv where k = ?", k).Scan(&v); err != nil {
				errs <- err
				return
			}
			results <- v
		}()
	}
	select {
	case v := <-results:
		cancel()
		return v, nil
	case err := <-errs:
		cancel()
		if errors.Is(err, context.Canceled) {
			return "", nil
		}
		return "", err
	}
}

// Best-effort cleanup: log and go on.
func (c *Cache) Save(ctx context.Context, it *Item) (int64, error) {
	res, err := c.db.ExecContext(ctx, "insert into items values (?)", it.Key)
	if err != nil {
		return 0, err
	}
	if _, err := c.db.ExecContext(ctx, "delete from stale"); err != nil {
		log.Printf("cleanup: %v", err)
	}
	return res.LastInsertId()
}

// A retry loop that looks at its context.
func (c *Cache) Push(ctx context.Context, batch []string) error {
	for {
		_, err := c.db.ExecContext(ctx, "insert into batches values (?)", len(batch))
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// A retry whose backoff is given the context and says when it ends.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Cache) Ping(ctx context.Context) error {
	for {
		err := c.db.PingContext(ctx)
		if err == nil {
			return nil
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

// A loop over items: each round is another call, not a retry.
func (c *Cache) Delete(ctx context.Context, keys []string) {
	for _, k := range keys {
		if _, err := c.db.ExecContext(ctx, "delete from items where k = ?", k); err != nil {
			log.Printf("delete %s: %v", k, err)
			continue
		}
	}
}

// Rows: Next ends the loop once the context is done.
func (c *Cache) Keys(ctx context.Context) ([]string, error) {
	rows, err := c.db.QueryContext(ctx, "select k from items")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			log.Printf("scan: %v", err)
			continue
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// A proxy step that answers the disconnected client itself, and tells its
// caller not to retry.
func (c *Cache) Proxy(w http.ResponseWriter, r *http.Request) (bool, error) {
	_, err := c.db.ExecContext(r.Context(), "select 1")
	if errors.Is(err, context.Canceled) {
		w.WriteHeader(499)
		return true, nil
	}
	return false, err
}

// A copy loop with no context of its own: its reader's error is tested
// for cancellation, then for the end of the stream.
func copyAll(dst io.Writer, src io.Reader, buf []byte) (int64, error) {
	var written int64
	for {
		n, rerr := src.Read(buf)
		if rerr != nil && rerr != io.EOF && !errors.Is(rerr, context.Canceled) {
			log.Printf("read: %v", rerr)
		}
		if n > 0 {
			w, err := dst.Write(buf[:n])
			written += int64(w)
			if err != nil {
				return written, err
			}
		}
		if rerr != nil {
			if rerr == io.EOF {
				return written, nil
			}
			return written, rerr
		}
	}
}

// After a cancellation is known, the end of the stream cannot be: the
// path that returns nil is not taken.
func (c *Cache) drain(ctx context.Context, r io.Reader) (int, error) {
	n := 0
	for {
		var b [1]byte
		_, err := r.Read(b[:])
		if errors.Is(err, context.Canceled) {
			if err == io.EOF {
				return n, nil
			}
			return n, err
		}
		if err != nil {
			return n, ctx.Err()
		}
		n++
	}
}

// Each round tries another certificate, through a variable of the round.
func pick(ctx context.Context, certs [][]byte, try func(context.Context, *[]byte) error) *[]byte {
	for _, cert := range certs {
		c := cert
		if err := try(ctx, &c); err == nil {
			return &c
		}
	}
	return nil
}

// The ending told apart by kind: every kind returns an error, and the
// branch where it is neither cannot be taken.
func (c *Cache) wait(ctx context.Context, ready <-chan *Item) (*Item, error) {
	for {
		select {
		case <-ctx.Done():
			switch ctx.Err() {
			case context.DeadlineExceeded:
				return nil, errors.New("timed out waiting for an item")
			case context.Canceled:
				return nil, errors.New("cancelled while waiting for an item")
			}
		case it := <-ready:
			if it != nil {
				return it, nil
			}
		}
	}
}

// A retry loop whose check is a helper's.
func isDone(err error) bool { return errors.Is(err, context.Canceled) }

func (c *Cache) Flush(ctx context.Context) error {
	for {
		_, err := c.db.ExecContext(ctx, "checkpoint")
		if err == nil || isDone(err) {
			return err
		}
		time.Sleep(time.Second)
	}
}

// A deferred function that adds context to the error, and one that clears
// a not-found.
var errNoRows = errors.New("no rows")

func (c *Cache) Oldest(ctx context.Context) (key string, err error) {
	defer func() {
		if err != nil {
			err = errors.Join(errors.New("oldest"), err)
		}
	}()
	defer func() {
		if errors.Is(err, errNoRows) {
			err = nil
		}
	}()
	err = c.db.QueryRowContext(ctx, "select k from items order by t limit 1").Scan(&key)
	return key, err
}

// The context's error kept in a variable and returned later: the path on
// which it would be nil is not taken.
func (c *Cache) fetchRetrying(ctx context.Context, key string) (*Item, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var it *Item
		it, err = c.Get(ctx, key)
		if err == nil {
			return it, nil
		}
		select {
		case <-time.After(time.Second):
			continue
		case <-ctx.Done():
			err = ctx.Err()
		}
		break
	}
	if err != nil {
		return nil, err
	}
	return &Item{Key: key}, nil
}

// Each round dials another address, in a value made for the round.
type addr struct{ host string }

func dialAll(ctx context.Context, hosts []string, dial func(context.Context, *addr) error) int {
	ok := 0
	for i := range hosts {
		if err := dial(ctx, &addr{host: hosts[i]}); err != nil {
			continue
		}
		ok++
	}
	return ok
}

// Each round calls another function.
func applyAll(ctx context.Context, steps []func(context.Context) error) {
	for _, step := range steps {
		if err := step(ctx); err != nil {
			log.Printf("step: %v", err)
		}
	}
}

// A callback's results are its caller's protocol: "stop retrying, no
// error" after the context ended is the backoff's business.
func backoff(f func() (bool, error)) error {
	for {
		retry, err := f()
		if !retry || err != nil {
			return err
		}
	}
}

func (c *Cache) waitReady(ctx context.Context) error {
	return backoff(func() (bool, error) {
		select {
		case <-ctx.Done():
			return false, nil
		default:
		}
		return c.pending == nil, nil
	})
}

// A wait under a context that nothing cancels, its error dropped, in a
// loop: it cannot fail with a cancellation.
type limiter struct{}

func (limiter) Wait(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func (c *Cache) replicate(stop <-chan struct{}) {
	var l limiter
	for {
		select {
		case <-stop:
			return
		default:
		}
		_ = l.Wait(context.Background())
		c.pending <- &Item{}
	}
}

// Tries each peer in turn, round after round, while the context lasts: the
// loop over peers goes on after a failure, and the outer loop ends once
// the context is done, with its error.
func (c *Cache) promote(ctx context.Context, peers []string) (int64, error) {
	for ctx.Err() == nil {
		for _, p := range peers {
			res, err := c.db.ExecContext(ctx, "select promote(?)", p)
			if err == nil {
				return res.RowsAffected()
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, ctx.Err()
}

// A worker whose rounds are messages: a failure of one is not retried.
func (c *Cache) worker(ctx context.Context, msgs <-chan string, stop <-chan struct{}) {
	for {
		select {
		case m := <-msgs:
			if _, err := c.db.ExecContext(ctx, "insert into log values (?)", m); err != nil {
				log.Printf("log %s: %v", m, err)
			}
		case <-stop:
			return
		}
	}
}

// A loop over sources that looks at the context each round: it stops at
// the round after a cancellation, and keeps what the others gave when one
// source fails for its own reasons (caddy's MultiUpstreams).
func (c *Cache) fromSources(r *http.Request, sources []string) ([]*Item, error) {
	var items []*Item
	for _, src := range sources {
		select {
		case <-r.Context().Done():
			return items, r.Context().Err()
		default:
		}
		it := &Item{}
		if err := c.db.QueryRowContext(r.Context(), "select k from items where src = ?", src).Scan(&it.Key); err != nil {
			log.Printf("source %s: %v", src, err)
			continue
		}
		items = append(items, it)
	}
	return items, nil
}

// A call made for the one item that matches, in a loop over items: no
// retry (minio's IAMSys.DeletePolicy).
func (c *Cache) deleteDefault(ctx context.Context, defaults []Item, name string) error {
	for _, d := range defaults {
		if d.Key == name {
			if _, err := c.db.ExecContext(ctx, "select 1 from defaults where k = ?", name); err == nil {
				return errors.New("a default cannot be deleted")
			}
		}
	}
	_, err := c.db.ExecContext(ctx, "delete from items where k = ?", name)
	return err
}

// Each round dials with a deadline of its own, made in the round: a round
// that times out has its answer (minio's getHostFromSrv).
func (c *Cache) probe(parent context.Context, hosts []string) {
	var d net.Dialer
	for retry := 0; retry < len(hosts); retry++ {
		ctx, cancel := context.WithTimeout(parent, 300*time.Millisecond)
		conn, err := d.DialContext(ctx, "tcp", hosts[0])
		cancel()
		if err != nil {
			continue
		}
		conn.Close()
		break
	}
}

// A bus that keeps context.Background() for its workers: every context
// stored into its field is one nothing cancels, so the worker's retry
// with a backoff retries failures of the backend, never a cancellation
// (livekit/psrpc's redisMessageBus.readWorker).
type bus struct {
	ctx context.Context
	db  *sql.DB
}

func newBus(db *sql.DB) *bus {
	b := &bus{ctx: context.Background(), db: db}
	go b.readWorker()
	return b
}

func (b *bus) readWorker() {
	delay := time.Millisecond
	for {
		if _, err := b.db.ExecContext(b.ctx, "select 1"); err != nil {
			log.Printf("receive: %v", err)
			time.Sleep(delay)
			delay *= 2
			continue
		}
		delay = 0
	}
}

// A worker woken by events, with a shutdown signal of its own that its
// owner closes when it cancels ctx (prometheus's DB.run): a failed round
// waits for the next event or for stop, and stop ends it.
type compactor struct {
	db   *sql.DB
	stop chan struct{}
	kick chan struct{}
}

func (c *compactor) run(ctx context.Context) {
	backoff := time.Duration(0)
	for {
		select {
		case <-c.stop:
			return
		case <-time.After(backoff):
		}
		select {
		case <-c.kick:
			if _, err := c.db.ExecContext(ctx, "vacuum"); err != nil {
				log.Printf("compact: %v", err)
				backoff = time.Second
			} else {
				backoff = 0
			}
		case <-c.stop:
			return
		}
	}
}

// NotFoundError is a failure of its own kind, as ent's is.
type NotFoundError struct{ Key string }

func (e *NotFoundError) Error() string { return e.Key + " not found" }

func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var e *NotFoundError
	return errors.As(err, &e)
}

func (c *Cache) parent(ctx context.Context, key string) (string, error) {
	var p string
	if err := c.db.QueryRowContext(ctx, "select parent from items where k = ?", key).Scan(&p); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", &NotFoundError{key}
		}
		return "", err
	}
	return p, nil
}

// A walk up to the root that ends at the first missing parent: the loop
// goes on only for a NotFoundError, which no cancellation is; any other
// failure is returned (cloudreve's findRoot).
func (c *Cache) Root(ctx context.Context, key string) (string, error) {
	for {
		p, err := c.parent(ctx, key)
		if err != nil {
			if !isNotFound(err) {
				return "", err
			}
			break
		}
		key = p
	}
	return key, nil
}
