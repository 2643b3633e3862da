// Package ctxswallow defines an Analyzer that reports context
// cancellations that code swallows, or reports as success.
//
// # Analyzer ctxswallow
//
// ctxswallow: report cancellations retried or reported as success
//
// When a context ends, the work under it should end too and say so to its
// caller. Two shapes of code do neither:
//
//	func (c *Cache) Get(ctx context.Context, key string) (*Item, error) {
//		select {
//		case it := <-c.fetch(key):
//			return it, nil
//		case <-ctx.Done():
//			return nil, nil // the caller sees "no item", not a cancellation
//		}
//	}
//
//	for {
//		if err := c.push(ctx, batch); err != nil {
//			log.Printf("push: %v", err)
//			time.Sleep(time.Second) // forever, once ctx is done
//			continue
//		}
//		break
//	}
//
// The analyzer reports a function that returns a result and an error and
// returns a nil error after it saw its own context end (a receive from
// ctx.Done() in a select or on its own, ctx.Err() != nil,
// errors.Is(err, context.Canceled), err == context.DeadlineExceeded), so
// that its caller takes the cancelled operation for a completed one; and a
// loop that calls the same function again after it failed with what may
// be a context error, with nothing in the loop that ends it once the
// context is done (no ctx.Err() test, no select on ctx.Done(), no test of
// another call given the context, no errors.Is with a context sentinel).
//
// The idioms stay silent: a worker whose only result is an error returning
// nil on shutdown, best-effort work that logs an error and goes on, a loop
// over items (each round calls with another item), and a function whose
// context ends because it set a deadline, or called a cancel function,
// itself. Test files are not analysed. The fix is to return ctx.Err() (or
// the error) instead of nil, and to end the loop when ctx.Err() != nil; a
// return of a literal nil next to a context parameter gets a suggested
// fix. The analyzer needs no entry point. Suppress a finding with
// //cancelcheck:ignore ctxswallow <reason> on its line or the line above.
package ctxswallow
