package keeps

import (
	"fmt"

	"github.com/ormkit/orm"
	"github.com/restkit/rest"
)

// Objects that keep a context for their calls, given none: a resty-style
// request with no SetContext runs under context.Background(), an
// xorm-style session from NewSession under its own, so their errors are
// no context errors (alist's 189pc login, answer's migrations). The
// twins given the caller's context are in ctxerrwrap/cuts/objects.go.

// plain makes a request in a helper that returns it, with no context.
func plain(token string) *rest.Request {
	return rest.Default.R().SetHeader("Authorization", "Bearer "+token)
}

func Me() error {
	if _, err := plain("t").Get("https://api.example/me"); err != nil {
		return fmt.Errorf("me: %v", err)
	}
	return nil
}

// The builder chain.
func Login(user string) error {
	var out struct{ Token string }
	if _, err := rest.Default.R().SetResult(&out).SetHeader("User", user).Post("https://login.example/"); err != nil {
		return fmt.Errorf("login %s: %s", user, err)
	}
	return nil
}

// A session with its engine's own context.
func AddColumn(e *orm.Engine) error {
	if err := e.NewSession().Table("users").Exec("alter table users add column age int"); err != nil {
		return fmt.Errorf("add column: %v", err)
	}
	return nil
}
