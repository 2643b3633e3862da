package idioms

import (
	"context"

	"github.com/ormkit/orm"
	"github.com/restkit/rest"
)

// Objects that keep a context for their calls, never given a cancellable
// one: a resty-style request with no SetContext runs under
// context.Background(), and an xorm-style session made by NewSession
// under its own. A retry of them retries no cancellation (alist's
// OneDrive token refresh). Their twins given the caller's context are in
// ctxswallow/swallows/objects.go.

type tokenResp struct{ Token string }

// The builder chain with no context.
func refreshChain() (string, error) {
	var resp tokenResp
	var err error
	for i := 0; i < 3; i++ {
		if _, err = rest.Default.R().SetResult(&resp).SetHeader("Accept", "application/json").Post("https://login.example/token"); err == nil {
			break
		}
	}
	return resp.Token, err
}

// A request made in a helper that returns it, with no context.
func plainRequest(token string) *rest.Request {
	return rest.Default.R().SetHeader("Authorization", "Bearer "+token)
}

func refreshHelper() error {
	var err error
	for i := 0; i < 3; i++ {
		if _, err = plainRequest("t").Get("https://api.example/me"); err == nil {
			break
		}
	}
	return err
}

// A context that cannot be cancelled, set on the object.
func refreshBackground() error {
	var err error
	for i := 0; i < 3; i++ {
		req := rest.Default.R()
		req.SetContext(context.Background())
		if _, err = req.Get("https://api.example/me"); err == nil {
			break
		}
	}
	return err
}

// A session with its engine's own context.
func migrate(e *orm.Engine) error {
	var err error
	for i := 0; i < 3; i++ {
		if err = e.NewSession().Table("users").Exec("alter table users add column age int"); err == nil {
			break
		}
	}
	return err
}
