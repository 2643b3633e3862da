// Package keeps holds context errors passed on in forms that keep them:
// nothing here is reported.
package keeps

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os/exec"
	"strings"

	"github.com/cancelcheck/cancelcheck/deferred"
)

type Store struct{ db *sql.DB }

// %w keeps the chain.
func (s *Store) Wrap(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "delete from sessions"); err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	return nil
}

// A %v next to a %w of the same error: errors.Is still finds it.
func (s *Store) Both(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "vacuum"); err != nil {
		return fmt.Errorf("vacuum (%v): %w", err, err)
	}
	return nil
}

// A wrapper type with Unwrap.
type QueryError struct {
	Query string
	Err   error
}

func (e *QueryError) Error() string { return e.Query + ": " + e.Err.Error() }
func (e *QueryError) Unwrap() error { return e.Err }

func (s *Store) Query(ctx context.Context, q string) error {
	if _, err := s.db.ExecContext(ctx, q); err != nil {
		return &QueryError{Query: q, Err: err}
	}
	return nil
}

// An aggregate with Unwrap() []error, and errors.Join.
type MultiError []error

func (m MultiError) Error() string   { return fmt.Sprint([]error(m)) }
func (m MultiError) Unwrap() []error { return m }

func (s *Store) Many(ctx context.Context, qs []string) error {
	var errs MultiError
	var joined []error
	for _, q := range qs {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			errs = append(errs, err)
			joined = append(joined, err)
		}
	}
	if len(errs) > 1 {
		return errors.Join(joined...)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// A message that is only logged cuts nothing anybody sees.
func (s *Store) Logged(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "analyze"); err != nil {
		log.Printf("analyze: %v", err)
		log.Print(errors.New(strings.ToUpper(err.Error())))
	}
	return nil
}

// A helper that wraps with %w keeps it.
func annotate(op string, err error) error { return fmt.Errorf("%s failed: %w", op, err) }

func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return annotate("ping", err)
	}
	return nil
}

// Formatting an error that is no context's: nothing to cut.
func parse(s string) error {
	if _, err := fmt.Sscan(s, new(int)); err != nil {
		return fmt.Errorf("parse %q: %v", s, err)
	}
	return nil
}

// A context that nothing cancels.
func (s *Store) Background() error {
	if _, err := s.db.ExecContext(context.Background(), "checkpoint"); err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	return nil
}

// The runtime's Task keeps a context, but what a function given one fails
// with is the runtime's cancellation: firsterror's to judge, not this
// rule's.
func load(t *deferred.Task) (int, error) { return deferred.Await(t, deferred.New[int](nil)) }

func viaTask(t *deferred.Task, f func(*deferred.Task) (int, error)) error {
	if _, err := f(t); err != nil {
		return fmt.Errorf("via task: %v", err)
	}
	return nil
}

var _ = viaTask(nil, load)

// Making a command's pipe cannot fail with its context.
func pipe(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "sort")
	if _, err := cmd.StdinPipe(); err != nil {
		return fmt.Errorf("stdin: %v", err)
	}
	return nil
}

// A request's own methods do not use its context.
func writeProxy(r *http.Request, w io.Writer) error {
	if err := r.Write(w); err != nil {
		return fmt.Errorf("writing the request: %v", err)
	}
	return nil
}

// An envelope handed to a function that opens it again by its type: no
// cut anybody sees.
type failure struct{ err error }

func (f failure) Error() string { return f.err.Error() }

func fail(err error) { panic(err) }

func (s *Store) evaluate(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(failure); ok {
				err = f.err
				return
			}
			panic(r)
		}
	}()
	if _, err := s.db.ExecContext(ctx, "select 1"); err != nil {
		fail(failure{err})
	}
	return nil
}

// A plugin's interface with no implementation in sight, given the
// context: its error may be the context's by a guess only, and the rule
// that judges an error by where it comes from does not report a guess.
type Provisioner interface {
	Provision(ctx context.Context) error
}

func provision(ctx context.Context, p Provisioner) error {
	if err := p.Provision(ctx); err != nil {
		return fmt.Errorf("provisioning: %v", err)
	}
	return nil
}

// A function value of unknown origin, given the context: a guess too.
func viaHook(ctx context.Context, hook func(context.Context) error) error {
	if err := hook(ctx); err != nil {
		return errors.New("hook: " + err.Error())
	}
	return nil
}

// An interface method given only a handle that carries a context (a
// response) says even less: not a guess.
type Decoder interface {
	Decode(resp *http.Response) error
}

func decode(ctx context.Context, c *http.Client, d Decoder, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	defer resp.Body.Close()
	if err := d.Decode(resp); err != nil {
		return fmt.Errorf("decode: %v", err)
	}
	return nil
}

// A temporary error with no Unwrap, made only after the cancellation was
// handled: the error it holds is no context error (spicedb's watch).
type TemporaryError struct{ error }

func isCancellation(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		err.Error() == "conn closed"
}

func isResettable(err error) bool { return strings.Contains(err.Error(), "reset") }

func (s *Store) Watch(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, "select 1")
	if err != nil {
		switch {
		case isCancellation(err):
			return err
		case isResettable(err):
			return TemporaryError{fmt.Errorf("watch: %w", err)}
		}
		return err
	}
	return nil
}

// The same with errors.Is of both sentinels.
func (s *Store) WatchIs(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, "select 1")
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if err != nil {
		return TemporaryError{err}
	}
	return nil
}

// The same with a helper that returns constants from its branches
// (spicedb's common.IsCancellationError).
func isCancellationIf(err error) bool {
	if errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) ||
		err.Error() == "conn closed" {
		return true
	}
	return false
}

func (s *Store) WatchIf(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, "select 1")
	if err != nil {
		if isCancellationIf(err) {
			return err
		}
		return TemporaryError{err}
	}
	return nil
}
