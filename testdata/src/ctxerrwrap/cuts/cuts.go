// Package cuts holds context errors passed on in forms that no longer
// hold them.
package cuts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

type Client struct {
	http *http.Client
	db   *sql.DB
}

func (c *Client) get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return c.http.Do(req)
}

// The verbs that format instead of wrapping.
func (c *Client) Verbs(ctx context.Context, url string) error {
	resp, err := c.get(ctx, url)
	if err != nil {
		return fmt.Errorf("fetching %s: %v", url, err) // want `ctxerrwrap: fmt.Errorf with %v makes a new error that no longer holds a possible context error; use %w`
	}
	defer resp.Body.Close()
	if _, err := c.db.ExecContext(ctx, "update hits set n = n + 1"); err != nil {
		return fmt.Errorf("counting %s: %s", url, err) // want `fmt.Errorf with %s makes a new error`
	}
	return nil
}

// The message, made into a new error.
func (c *Client) Message(ctx context.Context) error {
	_, err := c.db.ExecContext(ctx, "delete from sessions")
	if err != nil {
		return errors.New("cleanup: " + err.Error()) // want `errors.New\(err.Error\(\)\) makes a new error`
	}
	return nil
}

// Several errors flattened into one message.
func (c *Client) All(ctx context.Context, urls []string) error {
	var msgs []string
	for _, u := range urls {
		if _, err := c.get(ctx, u); err != nil {
			msgs = append(msgs, u+": "+err.Error())
		}
	}
	if len(msgs) > 0 {
		return errors.New(strings.Join(msgs, "; ")) // want `errors.New\(err.Error\(\)\) makes a new error`
	}
	return nil
}

// An error type that holds the error but has no Unwrap.
type QueryError struct {
	Query string
	Err   error
}

func (e *QueryError) Error() string { return e.Query + ": " + e.Err.Error() }

func (c *Client) Query(ctx context.Context, q string) error {
	if _, err := c.db.ExecContext(ctx, q); err != nil {
		return &QueryError{Query: q, Err: err} // want `the error type \*QueryError, which has no Unwrap or Is method, makes a new error that no longer holds a possible context error; give the type an Unwrap method`
	}
	return nil
}

// An aggregate without Unwrap() []error.
type MultiError []error

func (m MultiError) Error() string {
	var parts []string
	for _, e := range m {
		parts = append(parts, e.Error())
	}
	return strings.Join(parts, "; ")
}

func (c *Client) Fanout(ctx context.Context, urls []string) error {
	var errs MultiError
	for _, u := range urls {
		if _, err := c.get(ctx, u); err != nil {
			errs = append(errs, err) // want `the error type MultiError, which has no Unwrap or Is method`
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// A helper that formats with %v: the cut is reported where a context
// error is handed to it.
func annotate(op string, err error) error {
	return fmt.Errorf("%s failed: %v", op, err)
}

func (c *Client) Ping(ctx context.Context) error {
	if err := c.db.PingContext(ctx); err != nil {
		return annotate("ping", err) // want `annotate, which cuts it with fmt.Errorf with %v, makes a new error that no longer holds a possible context error; make it wrap the error with %w \(at cuts.go:105\)`
	}
	return nil
}

// The context's own error, formatted.
func wait(ctx context.Context, done <-chan struct{}) error {
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting: %v", ctx.Err()) // want `fmt.Errorf with %v`
	}
}

type TemporaryError struct{ error }

// Canceled is handled first, but a deadline's error is still cut.
func (c *Client) Watch(ctx context.Context) error {
	_, err := c.db.ExecContext(ctx, "select 1")
	if errors.Is(err, context.Canceled) {
		return err
	}
	if err != nil {
		return TemporaryError{err} // want `the error type TemporaryError, which has no Unwrap or Is method`
	}
	return nil
}
