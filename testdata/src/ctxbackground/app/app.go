// Package app is a service whose handlers call package notify.
package app

import (
	"net/http"

	"ctxbackground/notify"
)

type API struct{ n *notify.Notifier }

func (a *API) Signup(w http.ResponseWriter, r *http.Request) {
	a.n.Async(r.Context(), "signup") // want `ctxbackground: in notify.Notifier.Async at ctxbackground/notify/notify.go:29: the goroutine works under the request context of API.Signup, cancelled when it returns; detach it with context.WithoutCancel\(ctx\).*\(call path: API.Signup → notify.Notifier.Async\)`
	w.WriteHeader(http.StatusCreated)
}

func (a *API) Login(w http.ResponseWriter, r *http.Request) {
	a.n.Detached(r.Context(), "login")
	w.WriteHeader(http.StatusOK)
}

// A closure given to the library's helper that starts it in the
// background.
func (a *API) Logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	notify.Go(func() { // want `ctxbackground: the function given to notify.Go works under the request context of API.Logout`
		a.n.Async(ctx, "logout") // want `in notify.Notifier.Async at .*: the goroutine works under the request context of API.Logout`
	})
	w.WriteHeader(http.StatusOK)
}
