// Package retryapp hands retrylib.Do functions that do, and do not, fail
// with a context error.
package retryapp

import (
	"context"
	"database/sql"

	"ctxswallow/retrylib"
)

type Store struct{ db *sql.DB }

// The function fails with the context's error once ctx is done: Do spins.
func (s *Store) Migrate(ctx context.Context) {
	retrylib.Do(func() error { // want `in retrylib.Do at ctxswallow/retrylib/retrylib.go:14: the loop calls f again after it failed`
		_, err := s.db.ExecContext(ctx, "create table if not exists t (k text)")
		return err
	})
}

// Under a context nothing cancels, the same helper is fine.
func (s *Store) MigrateDetached() {
	retrylib.Do(func() error {
		_, err := s.db.ExecContext(context.Background(), "create table if not exists t (k text)")
		return err
	})
}
