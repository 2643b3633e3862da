package swallows

import (
	"context"

	"github.com/ormkit/orm"
	"github.com/restkit/rest"
)

// Objects that keep a context for their calls (a resty-style request, an
// xorm-style session) are judged by the object: these were given the
// caller's context, by a setter in a chain or on the object, or come from where the analysis cannot see (a
// parameter). Their twins without a context are in ctxswallow/idioms.

// The builder chain: R().SetContext(ctx).SetHeader(…).Post(url).
func tokenChain(ctx context.Context) error {
	var err error
	for i := 0; i < 3; i++ {
		if _, err = rest.Default.R().SetContext(ctx).SetHeader("Accept", "application/json").Post("https://login.example/token"); err == nil { // want `the loop calls .*Request.Post again after it failed`
			break
		}
	}
	return err
}

// The setter called on the object, which the chain does not return.
func tokenSetter(ctx context.Context) error {
	var err error
	for i := 0; i < 3; i++ {
		req := rest.Default.R()
		req.SetHeader("Accept", "application/json")
		if ctx != nil {
			req.WithContext(ctx)
		}
		if _, err = req.Get("https://login.example/token"); err == nil { // want `the loop calls .*Request.Get again after it failed`
			break
		}
	}
	return err
}

// A request of unknown origin may hold any context.
func tokenGiven(req *rest.Request) error {
	var err error
	for i := 0; i < 3; i++ {
		if _, err = req.Get("https://api.example/me"); err == nil { // want `the loop calls .*Request.Get again after it failed`
			break
		}
	}
	return err
}

// A session given the caller's context.
func migrateCtx(ctx context.Context, e *orm.Engine) error {
	var err error
	for i := 0; i < 3; i++ {
		if err = e.NewSession().Context(ctx).Table("users").Exec("alter table users add column age int"); err == nil { // want `the loop calls .*Session.Exec again after it failed`
			break
		}
	}
	return err
}
