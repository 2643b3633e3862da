package cuts

import (
	"context"
	"fmt"
)

func label(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %v", op, err)
}

// A deferred closure that replaces the error result with a cut of it:
// the function returns the cut error.
func (c *Client) Count(ctx context.Context) (n int, err error) {
	defer func() { err = label("count", err) }() // want `label, which cuts it with fmt.Errorf with %v, makes a new error that no longer holds a possible context error`
	err = c.db.QueryRowContext(ctx, "select count(*) from items").Scan(&n)
	return n, err
}
