// Package fix checks ctxswallow's suggested fix.
package fix

import "context"

type Item struct{ Key string }

func next(ctx context.Context, items <-chan *Item) (*Item, error) {
	select {
	case it := <-items:
		return it, nil
	case <-ctx.Done():
		return nil, nil // want `returns a nil error after <-ctx.Done\(\)`
	}
}
