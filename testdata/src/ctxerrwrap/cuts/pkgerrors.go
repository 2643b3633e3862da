package cuts

import (
	"context"
	"fmt"

	"github.com/pkg/errors"
)

// Wrapped with github.com/pkg/errors (modelled: the chain is kept), then
// formatted with %v: cut.
func (c *Client) PkgWrapped(ctx context.Context) error {
	_, err := c.db.ExecContext(ctx, "vacuum")
	if err != nil {
		return fmt.Errorf("maintenance: %v", errors.Wrap(err, "vacuum")) // want `fmt.Errorf with %v makes a new error that no longer holds a possible context error`
	}
	return nil
}

// Wrapped and returned: kept.
func (c *Client) PkgKept(ctx context.Context) error {
	_, err := c.db.ExecContext(ctx, "analyze")
	return errors.WithStack(errors.Wrapf(err, "analyze %s", "items"))
}
