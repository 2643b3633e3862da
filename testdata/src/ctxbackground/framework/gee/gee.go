// Package gee is a small web framework of gin's shape: a handler takes a
// *Context that holds the request in a field.
package gee

import (
	"net/http"
	"time"
)

// Context is reset and handed to the next request once a handler
// returns, as gin's is.
type Context struct {
	Request  *http.Request
	Writer   http.ResponseWriter
	params   map[string]string
	fallback bool // gin's Engine.ContextWithFallback
}

// Context is a context.Context, as gin's is: with the fallback its
// deadline, Done and Err are the request's; without it, never done.
func (c *Context) Deadline() (time.Time, bool) {
	if !c.fallback {
		return time.Time{}, false
	}
	return c.Request.Context().Deadline()
}

func (c *Context) Done() <-chan struct{} {
	if !c.fallback {
		return nil
	}
	return c.Request.Context().Done()
}

func (c *Context) Err() error {
	if !c.fallback {
		return nil
	}
	return c.Request.Context().Err()
}

func (c *Context) Value(key any) any {
	if s, ok := key.(string); ok {
		return c.params[s]
	}
	return nil
}

func (c *Context) Param(name string) string { return c.params[name] }

func (c *Context) JSON(code int, v any) {
	c.Writer.WriteHeader(code)
}

// Copy returns a copy that may be used after the handler returns; it
// keeps the request, and so its context.
func (c *Context) Copy() *Context {
	cp := *c
	return &cp
}

type HandlerFunc func(*Context)

type Engine struct{ routes map[string]HandlerFunc }

func (e *Engine) POST(path string, h HandlerFunc) { e.routes[path] = h }
