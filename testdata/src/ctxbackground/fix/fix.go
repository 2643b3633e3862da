// Package fix holds background work whose finding has a suggested fix.
package fix

import (
	"context"
	"database/sql"
	"net/http"
)

type Handler struct{ db *sql.DB }

func (h *Handler) save(ctx context.Context, v string) error {
	_, err := h.db.ExecContext(ctx, "insert into t values (?)", v)
	return err
}

func (h *Handler) Arg(w http.ResponseWriter, r *http.Request) {
	go h.save(r.Context(), "arg") // want `the goroutine works under the request context of Handler.Arg`
}

func (h *Handler) Captured(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	go func() { // want `the goroutine works under the request context of Handler.Captured`
		h.save(ctx, "captured")
	}()
}
