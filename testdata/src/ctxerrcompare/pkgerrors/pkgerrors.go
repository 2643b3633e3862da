// Package pkgerrors holds context errors wrapped with github.com/pkg/errors,
// which is modelled: its Wrap, Wrapf, WithMessage and WithStack keep the
// error in the chain.
package pkgerrors

import (
	"context"
	"database/sql"
	stderrors "errors"

	"github.com/pkg/errors"
)

type Store struct{ db *sql.DB }

// prometheus's compaction: the interruption, wrapped.
func (s *Store) compact(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return errors.Wrap(ctx.Err(), "compaction interrupted")
	default:
	}
	_, err := s.db.ExecContext(ctx, "vacuum")
	return errors.WithMessage(err, "vacuum")
}

func (s *Store) Compacted(ctx context.Context) bool {
	err := s.compact(ctx)
	return err == nil || err == context.Canceled // want `err == context.Canceled misses a wrapped cancellation`
}

func (s *Store) Deleted(ctx context.Context, id int) bool {
	_, err := s.db.ExecContext(ctx, "delete from items where id = ?", id)
	err = errors.Wrapf(err, "delete %d", id)
	return err == context.DeadlineExceeded // want `err == context.DeadlineExceeded misses a wrapped deadline`
}

// errors.Is sees through the wrappers: silent.
func (s *Store) Interrupted(ctx context.Context) bool {
	return stderrors.Is(s.compact(ctx), context.Canceled)
}
