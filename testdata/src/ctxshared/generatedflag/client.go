package generatedflag

import (
	"context"
	"database/sql"
)

type Item struct{ Name string }

type Client struct{ db *sql.DB }

func (c *Client) Get(ctx context.Context, id int) (*Item, error) {
	var it Item
	err := c.db.QueryRowContext(ctx, "select name from items where id = ?", id).Scan(&it.Name)
	return &it, err
}
