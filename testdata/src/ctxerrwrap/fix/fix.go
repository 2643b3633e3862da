// Package fix checks ctxerrwrap's suggested fix.
package fix

import (
	"context"
	"database/sql"
	"fmt"
)

func purge(ctx context.Context, db *sql.DB, table string) error {
	if _, err := db.ExecContext(ctx, "delete from "+table); err != nil {
		return fmt.Errorf("purging %s: %v", table, err) // want `fmt.Errorf with %v makes a new error`
	}
	if _, err := db.ExecContext(ctx, "vacuum"); err != nil {
		return fmt.Errorf("vacuum: %s", err) // want `fmt.Errorf with %s makes a new error`
	}
	return nil
}
