package inventory

import (
	"context"
	"log"
	"time"
)

// StockOrZero answers zero when the request is cancelled, as if the
// service had said the item is out of stock.
// Hazard (ctxswallow).
func (c *Client) StockOrZero(ctx context.Context, sku string) (int, error) {
	result := make(chan int, 1)
	go func() {
		n, err := c.Stock(ctx, sku)
		if err != nil {
			log.Printf("stock of %s: %v", sku, err)
		}
		result <- n
	}()
	select {
	case n := <-result:
		return n, nil
	case <-ctx.Done():
		return 0, nil
	}
}

// ReserveBlindly retries a reservation with a backoff that never looks at
// the context.
// Hazard (ctxswallow).
func (c *Client) ReserveBlindly(ctx context.Context, sku string, quantity int) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = c.post(ctx, "/reserve/"+sku, quantity); err == nil {
			return nil
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	return err
}
