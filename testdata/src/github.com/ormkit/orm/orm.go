// Package orm is a stand-in for a database layer of xorm's shape: a
// session runs its statements under the context given to it with
// Context(ctx), and under context.Background() otherwise.
package orm

import (
	"context"
	"database/sql"
)

type Engine struct {
	db *sql.DB
}

type Session struct {
	engine *Engine
	ctx    context.Context
}

func (e *Engine) NewSession() *Session {
	return &Session{engine: e, ctx: context.Background()}
}

// Context makes the session run under ctx.
func (s *Session) Context(ctx context.Context) *Session {
	s.ctx = ctx
	return s
}

// Context makes a session that runs under ctx.
func (e *Engine) Context(ctx context.Context) *Session {
	return e.NewSession().Context(ctx)
}

func (s *Session) Table(name string) *Session { return s }

func (s *Session) Exec(query string) error {
	_, err := s.engine.db.ExecContext(s.ctx, query)
	return err
}
