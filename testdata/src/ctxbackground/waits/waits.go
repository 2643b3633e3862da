// Package waits holds background work that a handler waits for, detaches,
// or that lives exactly as long as the request: silent.
package waits

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

type Store struct{ db *sql.DB }

func (s *Store) Get(ctx context.Context, id string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "select v from kv where k = ?", id).Scan(&v)
	return v, err
}

func (s *Store) Put(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, "insert into kv values (?)", id)
	return err
}

type Handler struct{ s *Store }

// Fan out and wait with a WaitGroup.
func (h *Handler) Many(w http.ResponseWriter, r *http.Request) {
	var wg sync.WaitGroup
	for _, id := range r.Form["id"] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.s.Get(r.Context(), id)
		}()
	}
	wg.Wait()
}

// A deferred Wait.
func (h *Handler) Deferred(w http.ResponseWriter, r *http.Request) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		h.s.Put(r.Context(), "x")
	}()
}

// The result is received, or the request gives up on it: its context
// ends exactly when nobody wants the result any more.
func (h *Handler) Race(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	res := make(chan string, 1)
	go func() {
		v, _ := h.s.Get(ctx, "k")
		res <- v
	}()
	select {
	case v := <-res:
		w.Write([]byte(v))
	case <-time.After(time.Second):
		http.Error(w, "slow", http.StatusGatewayTimeout)
	}
}

// An errgroup that is waited for.
func (h *Handler) Group(w http.ResponseWriter, r *http.Request) {
	g, ctx := errgroup.WithContext(r.Context())
	for _, id := range r.Form["id"] {
		g.Go(func() error { return h.s.Put(ctx, id) })
	}
	if err := g.Wait(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// Detached before the spawn: the reassignment is what the goroutine sees.
func (h *Handler) Detach(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ctx = context.WithoutCancel(ctx)
	go h.s.Put(ctx, "x")
	w.WriteHeader(http.StatusAccepted)
}

// Detached inside the goroutine.
func (h *Handler) DetachInside(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	go func() {
		ctx := context.WithoutCancel(ctx)
		h.s.Put(ctx, "x")
	}()
	w.WriteHeader(http.StatusAccepted)
}

// Detached by the function the goroutine runs.
func (h *Handler) putDetached(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return h.s.Put(ctx, id)
}

func (h *Handler) DetachCallee(w http.ResponseWriter, r *http.Request) {
	go h.putDetached(r.Context(), "x")
	w.WriteHeader(http.StatusAccepted)
}

// A context of its own.
func (h *Handler) Own(w http.ResponseWriter, r *http.Request) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		h.s.Put(ctx, "x")
	}()
	w.WriteHeader(http.StatusAccepted)
}

// A watcher: it only waits for the request to end.
func (h *Handler) Watch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
		}
	}()
	close(done)
}

// A streaming handler: it lives until the request ends, and so does the
// goroutine that reads for it.
func (h *Handler) Stream(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	updates := make(chan string)
	go func() {
		for {
			v, err := h.s.Get(ctx, "latest")
			if err != nil {
				return
			}
			updates <- v
		}
	}()
	for {
		select {
		case v := <-updates:
			w.Write([]byte(v))
		case <-ctx.Done():
			return
		}
	}
}

// A timer that the handler stops.
func (h *Handler) Timer(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := time.AfterFunc(time.Second, func() { h.s.Put(ctx, "slow") })
	defer t.Stop()
	h.s.Get(ctx, "k")
}

// A future handed back to the caller, who waits for it.
func (h *Handler) async(ctx context.Context, id string) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- h.s.Put(ctx, id) }()
	return ch
}

func (h *Handler) Future(w http.ResponseWriter, r *http.Request) {
	if err := <-h.async(r.Context(), "x"); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// A service's own loop under the context its owner gives it: no handler
// passes a request's context there.
type Worker struct{ s *Store }

func (wk *Worker) Start(ctx context.Context) {
	go func() {
		for {
			if err := wk.s.Put(ctx, "tick"); err != nil {
				return
			}
		}
	}()
}

func Main(s *Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	(&Worker{s: s}).Start(ctx)
}

// The goroutine uses the request but not its context.
func (h *Handler) Log(w http.ResponseWriter, r *http.Request) {
	go logPath(r)
	w.WriteHeader(http.StatusOK)
}

func logPath(r *http.Request) { println(r.URL.Path) }

// A goroutine that uses no context.
func (h *Handler) Plain(w http.ResponseWriter, r *http.Request) {
	id := r.FormValue("id")
	go func() { println(id) }()
}

// A streaming handler whose helper starts a subscription in the
// background under the request's context, and then streams until the
// request ends: the subscription is meant to end with it (minio's trace
// and listen handlers).
type Peer struct{ s *Store }

func (p *Peer) Subscribe(ctx context.Context, events chan<- string) {
	go func() {
		for {
			v, err := p.s.Get(ctx, "events")
			if err != nil {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
					continue
				}
			}
			events <- v
		}
	}()
}

func Stream(peers []*Peer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		events := make(chan string)
		for _, p := range peers {
			p.Subscribe(r.Context(), events)
		}
		for {
			select {
			case ev := <-events:
				if _, err := w.Write([]byte(ev)); err != nil {
					return
				}
			case <-r.Context().Done():
				return
			}
		}
	}
}

// A helper that runs its functions concurrently, one goroutine each, and
// waits for all of them: what it is given does not outlive the call
// (minio's SiteReplicationSys.concDo).
func concDo(self func() error, peers []string, peer func(string) error) error {
	errs := make([]error, len(peers)+1)
	var wg sync.WaitGroup
	wg.Add(len(peers) + 1)
	go func() {
		defer wg.Done()
		errs[0] = self()
	}()
	for i := range peers {
		go func(i int) {
			defer wg.Done()
			errs[i+1] = peer(peers[i])
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) Replicate(w http.ResponseWriter, r *http.Request) {
	err := concDo(func() error { return s.Put(r.Context(), "self") }, []string{"a", "b"},
		func(p string) error { return s.Put(r.Context(), p) })
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
	}
}

// A context written by hand that is never done, around the request's:
// the mirrored request outlives the request (traefik's mirroring).
type stopPropagation struct{ context.Context }

func (stopPropagation) Done() <-chan struct{} { return nil }

func (s *Store) Mirror(w http.ResponseWriter, r *http.Request, mirror http.Handler) {
	go func() {
		ctx := context.WithValue(r.Context(), "mirror", true)
		mirror.ServeHTTP(w, r.WithContext(stopPropagation{ctx}))
	}()
	w.WriteHeader(http.StatusAccepted)
}

// Work under a context the function derives and cancels as it returns:
// it is meant to end then, whatever the request does (minio's grid
// connection reader).
func (s *Store) Session(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(errors.New("session over"))
	go func() {
		for ctx.Err() == nil {
			if _, err := s.Get(ctx, "ping"); err != nil {
				return
			}
		}
	}()
	s.Put(ctx, "session")
}
