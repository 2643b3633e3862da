// Package notify starts background work under its callers' contexts: a
// library whose callers decide whether that context ends with a request.
package notify

import (
	"context"
	"net/http"
)

type Notifier struct {
	client *http.Client
	url    string
}

func (n *Notifier) post(ctx context.Context, msg string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, nil)
	if err != nil {
		return err
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Async posts msg in the background, under ctx.
func (n *Notifier) Async(ctx context.Context, msg string) {
	go n.post(ctx, msg)
}

// Detached posts msg in the background, detached from ctx's cancellation.
func (n *Notifier) Detached(ctx context.Context, msg string) {
	ctx = context.WithoutCancel(ctx)
	go n.post(ctx, msg)
}

// Go runs fn in the background, recovering a panic.
func Go(fn func()) {
	go func() {
		defer func() { recover() }()
		fn()
	}()
}
