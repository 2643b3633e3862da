// Package inventory is a client of the inventory service.
package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/sync/singleflight"
)

// Client calls the inventory service at BaseURL.
type Client struct {
	BaseURL string
	HTTP    *http.Client

	stock singleflight.Group // in-flight stock requests, by sku
}

// Stock returns how many of sku are in stock. The request carries the
// caller's context: a cancelled caller's error comes back from Do inside an
// *url.Error, which errors.Is sees through.
func (c *Client) Stock(ctx context.Context, sku string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/stock/"+url.PathEscape(sku), nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf("stock of %s: %w", sku, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("stock of %s: %s", sku, resp.Status)
	}
	var body struct{ Quantity int }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("stock of %s: %w", sku, err)
	}
	return body.Quantity, nil
}

// Reserve holds quantity of sku for an order, retrying a busy service with
// a backoff that ends when the context does.
func (c *Client) Reserve(ctx context.Context, sku string, quantity int) error {
	for attempt := 0; ; attempt++ {
		err := c.post(ctx, "/reserve/"+url.PathEscape(sku), quantity)
		if err == nil || ctx.Err() != nil {
			return err
		}
		select {
		case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (c *Client) post(ctx context.Context, path string, quantity int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s%s?quantity=%d", c.BaseURL, path, quantity), nil)
	if err != nil {
		return err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("post %s: %w", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("post %s: %s", path, resp.Status)
	}
	return nil
}

// SharedStock is Stock asked once for all the callers that ask for the
// same sku at the same time. The shared request runs detached from every
// caller (context.WithoutCancel keeps the values, not the cancellation)
// with a time limit of its own: one caller that goes away does not fail
// the others, and each caller still stops waiting when its own context
// ends.
func (c *Client) SharedStock(ctx context.Context, sku string) (int, error) {
	ch := c.stock.DoChan(sku, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return c.Stock(ctx, sku)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return 0, r.Err
		}
		return r.Val.(int), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
