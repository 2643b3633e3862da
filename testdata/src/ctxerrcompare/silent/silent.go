// Package silent holds correct tests for context errors: nothing here is
// reported.
package silent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

type Store struct{ db *sql.DB }

func (s *Store) Name(ctx context.Context, id int) (string, error) {
	var name string
	err := s.db.QueryRowContext(ctx, "select name from users where id = ?", id).Scan(&name)
	if err != nil {
		return "", fmt.Errorf("user %d: %w", id, err)
	}
	return name, nil
}

// errors.Is sees through wrappers.
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, err := s.Name(r.Context(), 1)
	if errors.Is(err, context.Canceled) {
		w.WriteHeader(499)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, name)
}

// The context's own Err() is the sentinel itself: == is exact.
func reason(ctx context.Context) string {
	if err := ctx.Err(); err == context.Canceled {
		return "canceled"
	} else if err == context.DeadlineExceeded {
		return "timed out"
	}
	switch ctx.Err() {
	case context.Canceled:
		return "canceled"
	}
	return "running"
}

// A wait whose error is the context's own, returned as it is: callers may
// compare it with ==.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func retryLater(ctx context.Context) bool {
	err := sleep(ctx, time.Second)
	return err == context.DeadlineExceeded
}

// Errors that are not a context's, compared with their own sentinels.
var ErrNotFound = errors.New("not found")

func find(ctx context.Context, s *Store) (string, error) {
	name, err := s.Name(ctx, 2)
	if err == ErrNotFound {
		return "", nil
	}
	return name, err
}

// A message test for something else.
func duplicate(err error) bool {
	return err != nil && strings.Contains(err.Error(), "duplicate key")
}

// A context that nothing cancels: its calls fail with no context error.
func background(s *Store) bool {
	_, err := s.Name(context.Background(), 3)
	return err == ErrNotFound
}

// An error type's Is method: errors.Is hands it each target as it is, so
// == is how Is is written.
type timeoutError struct{}

func (timeoutError) Error() string        { return "timed out" }
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// A deferred closure that compares the named result with the context's own
// error: what the function stores there is exact or no context's.
func dial(ctx context.Context, ready <-chan struct{}) (ok bool, err error) {
	defer func() {
		if ctx.Err() != nil && err == ctx.Err() {
			ok = false
		}
	}()
	select {
	case <-ready:
		return true, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// The same condition asks the context itself: its cancellation is told
// apart whatever wraps err (nomad's deployment watcher).
func (s *Store) stopped(ctx context.Context) bool {
	_, err := s.db.ExecContext(ctx, "select 1")
	return err == context.Canceled || ctx.Err() == context.Canceled
}

// The comparison is reached only past a test of ctx.Err(): the context's
// cancellation has returned already (nomad's executor stats stream).
func (s *Store) drain(ctx context.Context) {
	for {
		_, err := s.db.ExecContext(ctx, "select 1")
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if err == context.Canceled {
				return
			}
		}
	}
}

// In the case <-ctx.Done() of a select the context has ended: an identity
// test of the result against ctx.Err() tells whether it is still the
// context's own (grpc-go's DialContext).
func (s *Store) dial(ctx context.Context) (n int, err error) {
	defer func() {
		select {
		case <-ctx.Done():
			if err == ctx.Err() {
				n = 0
			} else {
				n, err = 0, ctx.Err()
			}
		default:
		}
	}()
	_, err = s.db.ExecContext(ctx, "select 1")
	return 1, err
}

// A message built from the text of a context error is no test of one
// (dskit's cancellationError, which has Is and Unwrap).
type cancellationError struct{ inner error }

func (e cancellationError) Error() string { return "context canceled: " + e.inner.Error() }

func (e cancellationError) Is(err error) bool { return err == context.Canceled }

func (e cancellationError) Unwrap() error { return e.inner }

func (s *Store) cancelled(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "select 1"); err != nil {
		return cancellationError{err}
	}
	return nil
}
