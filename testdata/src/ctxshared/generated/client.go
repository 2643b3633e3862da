package generated

import (
	"context"
	"database/sql"
	"sync"
)

type Item struct{ Name string }

type Client struct{ db *sql.DB }

func (c *Client) Get(ctx context.Context, id int) (*Item, error) {
	var it Item
	err := c.db.QueryRowContext(ctx, "select name from items where id = ?", id).Scan(&it.Name)
	return &it, err
}

// The same shape written by hand is reported.
func (c *Client) lazy(id int) func(context.Context) (*Item, error) {
	var (
		once  sync.Once
		value *Item
		err   error
	)
	return func(ctx context.Context) (*Item, error) {
		once.Do(func() { // want `the function given to sync.Once.Do works under the caller's ctx`
			value, err = c.Get(ctx, id)
		})
		return value, err
	}
}
