// Package frameworks holds handlers of web frameworks of gin's and
// echo's shapes.
package frameworks

import (
	"context"
	"database/sql"
	"net/http"

	"ctxbackground/framework/eko"
	"ctxbackground/framework/gee"
)

type Store struct{ db *sql.DB }

func (s *Store) Reindex(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, "update items set indexed = 0 where id = ?", id)
	return err
}

// gin's shape: c.Request.Context().
func (s *Store) Create(c *gee.Context) {
	id := c.Param("id")
	go s.Reindex(c.Request.Context(), id) // want `the goroutine works under the request context of Store.Create.*: c is the request of a web framework's handler`
	c.JSON(http.StatusAccepted, nil)
}

// gin's Copy keeps the request, and its context.
func (s *Store) Run(c *gee.Context) {
	cp := c.Copy()
	go func() { // want `the goroutine works under the request context of Store.Run`
		s.Reindex(cp.Request.Context(), cp.Param("id"))
	}()
	c.JSON(http.StatusAccepted, nil)
}

// gin's shape, detached: silent.
func (s *Store) Detached(c *gee.Context) {
	ctx := context.WithoutCancel(c.Request.Context())
	go s.Reindex(ctx, c.Param("id"))
	c.JSON(http.StatusAccepted, nil)
}

// gin's Context is a context.Context itself: handed on as it is, it is
// read after the framework has reset it for another request.
func (s *Store) Resend(c *gee.Context) {
	go s.Reindex(c, c.Param("id")) // want `the goroutine works under c, which the framework hands to another request once Store.Resend returns; give it a copy \(gin's c.Copy\(\)\).*: c is the request of a web framework's handler: the framework takes it back`
	c.JSON(http.StatusAccepted, nil)
}

// The same through a helper that starts the goroutine (answer's
// SendAndSaveCode).
func (s *Store) Register(c *gee.Context) {
	s.reindexLater(c, c.Param("id"))
	c.JSON(http.StatusAccepted, nil)
}

func (s *Store) reindexLater(ctx context.Context, id string) {
	go s.Reindex(ctx, id) // want `the goroutine works under c, which the framework hands to another request once Store.Register returns`
}

// A copy, detached: silent.
func (s *Store) ResendCopy(c *gee.Context) {
	go s.Reindex(context.WithoutCancel(c.Copy()), c.Param("id"))
	c.JSON(http.StatusAccepted, nil)
}

// echo's shape: c.Request().Context().
func (s *Store) Update(c eko.Context) error {
	ctx := c.Request().Context()
	go s.Reindex(ctx, c.Param("id")) // want `the goroutine works under the request context of Store.Update`
	return c.NoContent(http.StatusAccepted)
}
