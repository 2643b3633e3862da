// Package eko is a small web framework of echo's shape: a handler takes
// a Context interface whose Request method gives the request.
package eko

import "net/http"

type Context interface {
	Request() *http.Request
	Param(name string) string
	NoContent(code int) error
}

type HandlerFunc func(Context) error
