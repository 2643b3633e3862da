// Package basic holds context errors recognised in ways that wrapping
// defeats, written as handlers and clients write them.
package basic

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
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

// A handler that answers 499 for a cancelled client, but never does: the
// store wraps the error.
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, err := s.Name(r.Context(), 1)
	if err == context.Canceled { // want `err == context.Canceled misses a wrapped cancellation; use errors.Is\(err, context.Canceled\)`
		w.WriteHeader(499)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, name)
}

// A client call: net/http wraps the context's error in an *url.Error.
func Fetch(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if err != context.DeadlineExceeded { // want `err != context.DeadlineExceeded misses a wrapped deadline; use !errors.Is\(err, context.DeadlineExceeded\)`
			log.Printf("fetch %s: %v", url, err)
		}
		return err
	}
	return resp.Body.Close()
}

// A switch on the error: each case is an ==. The helper's test is judged
// where it is called, by what the caller hands it.
func classify(err error) int {
	switch err {
	case nil:
		return 200
	case context.Canceled: // want `err == context.Canceled misses a wrapped context error; use errors.Is`
		return 499
	case context.DeadlineExceeded:
		return 504
	}
	return 500
}

func (s *Store) status(ctx context.Context) int {
	_, err := s.Name(ctx, 5)
	return classify(err)
}

// Handed the context's own error, the same helper is exact.
func deadlineStatus(ctx context.Context) int {
	return classify(ctx.Err())
}

// Comparing with the context's own error: the error came through the
// store, wrapped.
func (s *Store) lookup(ctx context.Context) (string, error) {
	name, err := s.Name(ctx, 2)
	if err != nil && err == ctx.Err() { // want `err == ctx.Err\(\) misses a wrapped context error; use errors.Is\(err, ctx.Err\(\)\)`
		return "", nil
	}
	return name, err
}

// A helper that tests a parameter: whatever its callers hand it may be
// wrapped.
func isCanceled(err error) bool {
	return err == context.Canceled // want `err == context.Canceled misses a wrapped context error; use errors.Is`
}

// The message, compared and searched.
func messageTests(ctx context.Context, s *Store) {
	_, err := s.Name(ctx, 3)
	if err != nil && err.Error() == "context canceled" { // want `err.Error\(\) == "context canceled" tells a context error by its message`
		return
	}
	if err != nil && strings.Contains(err.Error(), "context deadline exceeded") { // want `strings.Contains\(err.Error\(\), "context deadline exceeded"\) tells a context error by its message`
		return
	}
	if err != nil && strings.Contains(strings.ToLower(err.Error()), "context canceled") { // want `strings.Contains`
		return
	}
	_ = isCanceled(err)
}

// An error received from a goroutine: whatever it sent may be wrapped.
func wait(ctx context.Context, s *Store) bool {
	errc := make(chan error, 1)
	go func() {
		_, err := s.Name(ctx, 4)
		errc <- err
	}()
	err := <-errc
	return err == context.Canceled // want `misses a wrapped cancellation`
}

var _ = errors.New

// A plugin's interface with no implementation in sight, given the
// context: what it returns may be the context's error, and the test that
// wrapping defeats is still wrong.
type Provisioner interface {
	Provision(ctx context.Context) error
}

func provisioned(ctx context.Context, p Provisioner) bool {
	err := p.Provision(ctx)
	return err == nil || err == context.Canceled // want `err == context.Canceled misses a wrapped cancellation; use errors.Is\(err, context.Canceled\)`
}
