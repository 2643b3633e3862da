package retryapp

import (
	"context"
	"testing"

	"ctxswallow/retrylib"
)

// Tests are left alone: a test's retry harms no caller.
func TestMigrate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &Store{}
	retrylib.Do(func() error {
		_, err := s.db.ExecContext(ctx, "select 1")
		return err
	})
}
