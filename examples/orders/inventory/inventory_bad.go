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

// SharedStockUnderCaller asks once for all the callers that ask for the
// same sku at the same time, under the first caller's context.
// Hazard (ctxshared): when that caller goes away, every caller waiting
// for the same sku gets its cancellation.
func (c *Client) SharedStockUnderCaller(ctx context.Context, sku string) (int, error) {
	v, err, _ := c.stock.Do(sku, func() (any, error) {
		return c.Stock(ctx, sku)
	})
	if err != nil {
		return 0, err
	}
	return v.(int), nil
}
