// Package app calls lib.Canceled: with a wrapped error (reported once, at
// the first such call), and with the context's own (silent).
package app

import (
	"context"
	"database/sql"

	"ctxerrcompare/lib"
)

func get(ctx context.Context, db *sql.DB) bool {
	_, err := db.ExecContext(ctx, "select 1")
	if lib.Canceled(err) { // want `lib.Canceled tests the error with err == context.Canceled \(at lib.go:8\), which misses a wrapped context error`
		return false
	}
	_, err = db.ExecContext(ctx, "select 2")
	return !lib.Canceled(err) && !lib.Canceled(ctx.Err())
}
