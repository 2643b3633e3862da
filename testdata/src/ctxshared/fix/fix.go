// Package fix holds shared work whose finding has a suggested fix.
package fix

import (
	"context"
	"database/sql"

	"golang.org/x/sync/singleflight"
)

type Store struct {
	db    *sql.DB
	group singleflight.Group
}

func (s *Store) Count(ctx context.Context, table string) (int, error) {
	v, err, _ := s.group.Do(table, func() (any, error) { // want `works under the caller's ctx`
		var n int
		err := s.db.QueryRowContext(ctx, "select count(*) from "+table).Scan(&n)
		return n, err
	})
	if err != nil {
		return 0, err
	}
	return v.(int), nil
}

// A closure that uses a cancel of its own from outside: no fix.
func (s *Store) Cancelling(ctx context.Context, cancel context.CancelFunc, table string) error {
	_, err, _ := s.group.Do(table, func() (any, error) { // want `works under the caller's ctx`
		defer cancel()
		return s.db.ExecContext(ctx, "vacuum "+table)
	})
	return err
}
