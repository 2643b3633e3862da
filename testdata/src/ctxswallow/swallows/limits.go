package swallows

import (
	"context"
	"net/http"
)

// A client of resty's shape: a request keeps a context only when
// SetContext is called on it, and uses context.Background() otherwise.

type Request struct {
	ctx    context.Context
	client *http.Client
	url    string
}

func newRequest(url string) *Request { return &Request{client: http.DefaultClient, url: url} }

func (r *Request) SetContext(ctx context.Context) *Request {
	r.ctx = ctx
	return r
}

func (r *Request) Get() error {
	req, err := http.NewRequest(http.MethodGet, r.url, nil)
	if err != nil {
		return err
	}
	if r.ctx != nil {
		req = req.WithContext(r.ctx)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// A false positive, kept to show the limit (docs/analysis.md, Limits):
// this request never had a context set, so nothing cancels it, but the
// analysis knows the field, not the object, and SetContext stores a
// caller's context there (alist's OneDrive token refresh on resty).
func refreshToken() error {
	var err error
	for i := 0; i < 3; i++ {
		if err = newRequest("https://login.example/token").Get(); err == nil { // want `the loop calls Request.Get again after it failed`
			break
		}
	}
	return err
}
