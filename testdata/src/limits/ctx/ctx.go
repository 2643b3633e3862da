// Package ctx holds context hazards that stay out of reach: every analyzer
// is silent on it (analyzers.TestLimits).
package ctx

import (
	"context"
	"database/sql"
	"fmt"

	"limits/ctx/wrapper"
)

type Store struct{ db *sql.DB }

// Missed: an error that crosses a channel loses its origin; the cut below
// is of an error the analysis cannot tell from any other.
func (s *Store) Async(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() {
		_, err := s.db.ExecContext(ctx, "vacuum")
		errc <- err
	}()
	if err := <-errc; err != nil {
		return fmt.Errorf("vacuum: %v", err)
	}
	return nil
}

// Missed: a type assertion on a context error (to the unexported type of
// context.DeadlineExceeded, through an interface) is not reported.
func timedOut(err error) bool {
	te, ok := err.(interface{ Timeout() bool })
	return ok && te.Timeout()
}

// Silent by design: a worker whose only result is an error ends quietly
// on shutdown; that is its contract, not a swallowed cancellation.
func (s *Store) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		default:
			if _, err := s.db.ExecContext(ctx, "select 1"); err != nil && timedOut(err) {
				continue
			}
		}
	}
}

// Missed: a wrapper from a package that imports no context is not
// summarised, so what it returns is no context error, and the == below,
// which the wrapper defeats, is not reported.
func compact(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return wrapper.Wrap(err, "compaction interrupted")
	}
	return nil
}

func (s *Store) Compacted(ctx context.Context) bool {
	err := compact(ctx)
	return err == nil || err == context.Canceled
}
