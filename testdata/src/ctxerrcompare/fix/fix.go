// Package fix checks ctxerrcompare's suggested fix.
package fix

import (
	"context"
	"net/http"
)

func get(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err == context.Canceled { // want `err == context.Canceled misses a wrapped cancellation`
		return nil
	}
	if err != context.DeadlineExceeded && err != nil { // want `err != context.DeadlineExceeded misses a wrapped deadline`
		return err
	}
	if err == nil {
		resp.Body.Close()
	}
	return err
}
