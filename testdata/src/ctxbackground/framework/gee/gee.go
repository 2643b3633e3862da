// Package gee is a small web framework of gin's shape: a handler takes a
// *Context that holds the request in a field.
package gee

import "net/http"

type Context struct {
	Request *http.Request
	Writer  http.ResponseWriter
	params  map[string]string
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
