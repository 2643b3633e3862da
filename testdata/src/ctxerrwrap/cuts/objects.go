package cuts

import (
	"context"
	"fmt"

	"github.com/ormkit/orm"
	"github.com/restkit/rest"
)

// Objects that keep a context for their calls, given the caller's: their
// errors may be its context errors. The twins given none are in
// ctxerrwrap/keeps/objects.go.

// authed sets the context in a helper that returns the request.
func authed(ctx context.Context, token string) *rest.Request {
	return rest.Default.R().WithContext(ctx).SetHeader("Authorization", "Bearer "+token)
}

func Me(ctx context.Context) error {
	if _, err := authed(ctx, "t").Get("https://api.example/me"); err != nil {
		return fmt.Errorf("me: %v", err) // want `fmt.Errorf with %v makes a new error`
	}
	return nil
}

// The builder chain.
func Login(ctx context.Context, user string) error {
	var out struct{ Token string }
	if _, err := rest.Default.R().SetContext(ctx).SetResult(&out).SetHeader("User", user).Post("https://login.example/"); err != nil {
		return fmt.Errorf("login %s: %s", user, err) // want `fmt.Errorf with %s makes a new error`
	}
	return nil
}

// A session the caller's context is given to.
func AddColumn(ctx context.Context, e *orm.Engine) error {
	if err := e.Context(ctx).Table("users").Exec("alter table users add column age int"); err != nil {
		return fmt.Errorf("add column: %v", err) // want `fmt.Errorf with %v makes a new error`
	}
	return nil
}
