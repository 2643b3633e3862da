// Package origins holds an error that may be a context error for a
// certain reason (net/http given the context) and by a guess (a plugin's
// interface given it): the finding names the certain one.
package origins

import (
	"context"
	"fmt"
	"net/http"
)

type Plugin interface {
	Open(ctx context.Context) error
}

func open(ctx context.Context, p Plugin, c *http.Client, url string) error {
	if err := p.Open(ctx); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func Start(ctx context.Context, p Plugin, c *http.Client, url string) error {
	if err := open(ctx, p, c, url); err != nil {
		return fmt.Errorf("starting: %v", err) // want `fmt.Errorf with %v makes a new error that no longer holds a possible context error`
	}
	return nil
}
