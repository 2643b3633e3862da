// Package rest is a stand-in for an HTTP client of resty's shape: a
// request is built with chained setters and keeps a context only when
// SetContext is called on it; without one it runs under
// context.Background().
package rest

import (
	"context"
	"net/http"
)

type Client struct {
	hc *http.Client
}

// Default is a package's shared client, as programs keep one.
var Default = &Client{hc: http.DefaultClient}

type Request struct {
	client *Client
	ctx    context.Context
	header http.Header
	result any
}

// R makes a new request, with no context.
func (c *Client) R() *Request {
	return &Request{client: c, header: http.Header{}}
}

// SetContext makes the request run under ctx.
func (r *Request) SetContext(ctx context.Context) *Request {
	r.ctx = ctx
	return r
}

// WithContext is SetContext under another name: a setter in turn.
func (r *Request) WithContext(ctx context.Context) *Request {
	return r.SetContext(ctx)
}

func (r *Request) SetHeader(k, v string) *Request {
	r.header.Set(k, v)
	return r
}

func (r *Request) SetResult(v any) *Request {
	r.result = v
	return r
}

func (r *Request) Get(url string) (*http.Response, error) {
	return r.client.execute(r, http.MethodGet, url)
}

func (r *Request) Post(url string) (*http.Response, error) {
	return r.client.execute(r, http.MethodPost, url)
}

func (c *Client) execute(r *Request, method, url string) (*http.Response, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return nil, err
	}
	if r.ctx != nil {
		req = req.WithContext(r.ctx)
	}
	req.Header = r.header
	return c.hc.Do(req)
}
