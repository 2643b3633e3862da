// Package spawns holds work started in the background under a request's
// context, which ends when the handler returns.
package spawns

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"
)

type Mailer struct{ db *sql.DB }

func (m *Mailer) SendWelcome(ctx context.Context, user string) error {
	_, err := m.db.ExecContext(ctx, "insert into outbox values (?)", user)
	return err
}

type Handler struct {
	mail *Mailer
	db   *sql.DB
	pool *Pool
}

// Fire and forget under r.Context().
func (h *Handler) Create(w http.ResponseWriter, r *http.Request) {
	user := r.FormValue("user")
	go h.mail.SendWelcome(r.Context(), user) // want `ctxbackground: the goroutine works under the request context of Handler.Create, cancelled when it returns; detach it with context.WithoutCancel\(ctx\): r is the \*http.Request of an http.Handler, whose context ends when Handler.Create returns, and nothing waits for the work`
	w.WriteHeader(http.StatusCreated)
}

// A closure that captures the request's context.
func (h *Handler) Update(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	user := r.FormValue("user")
	go func() { // want `the goroutine works under the request context of Handler.Update`
		if err := h.mail.SendWelcome(ctx, user); err != nil {
			return
		}
	}()
	w.WriteHeader(http.StatusOK)
}

// A closure that captures the request itself and takes its context late.
func (h *Handler) Audit(w http.ResponseWriter, r *http.Request) {
	go func() { // want `the goroutine works under the request context of Handler.Audit`
		h.db.ExecContext(r.Context(), "insert into audit values (?)", r.URL.Path)
	}()
	w.WriteHeader(http.StatusOK)
}

// A derived context ends with the request too.
func (h *Handler) Derived(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	go func() { // want `the goroutine works under the request context of Handler.Derived`
		defer cancel()
		h.mail.SendWelcome(ctx, "x")
	}()
	w.WriteHeader(http.StatusOK)
}

// Detaching only on one path leaves the other under the request.
func (h *Handler) Sometimes(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.FormValue("detach") != "" {
		ctx = context.WithoutCancel(ctx)
	}
	go h.mail.SendWelcome(ctx, "x") // want `the goroutine works under the request context of Handler.Sometimes`
	w.WriteHeader(http.StatusOK)
}

// An errgroup nobody waits for.
func (h *Handler) Fanout(w http.ResponseWriter, r *http.Request) {
	g, ctx := errgroup.WithContext(r.Context())
	for _, u := range r.Form["user"] {
		g.Go(func() error { // want `the function given to errgroup.Group.Go works under the request context of Handler.Fanout`
			return h.mail.SendWelcome(ctx, u)
		})
	}
	w.WriteHeader(http.StatusAccepted)
}

// time.AfterFunc whose timer nobody stops.
func (h *Handler) Later(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	time.AfterFunc(time.Minute, func() { // want `the function given to time.AfterFunc works under the request context of Handler.Later`
		h.mail.SendWelcome(ctx, "reminder")
	})
	w.WriteHeader(http.StatusAccepted)
}

// A worker pool of the code base's own.
type Pool struct{ tasks chan func() }

func (p *Pool) Submit(task func()) { p.tasks <- task }

func (h *Handler) Queue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	h.pool.Submit(func() { // want `the function given to spawns.Pool.Submit works under the request context of Handler.Queue`
		h.mail.SendWelcome(ctx, "queued")
	})
	w.WriteHeader(http.StatusAccepted)
}

// A helper of this package that starts work under its ctx parameter: the
// finding is at the spawn, with the call path from the handler.
func (h *Handler) notifyLater(ctx context.Context, user string) {
	go h.mail.SendWelcome(ctx, user) // want `the goroutine works under the request context of Handler.Invite.*\(call path: Handler.Invite → Handler.notifyLater\)`
}

func (h *Handler) Invite(w http.ResponseWriter, r *http.Request) {
	h.notifyLater(r.Context(), r.FormValue("user"))
	w.WriteHeader(http.StatusOK)
}

// A gRPC method: grpc-go cancels ctx when it returns.
type SignupRequest struct{ User string }

func (*SignupRequest) ProtoMessage() {}

type SignupReply struct{ ID int }

func (*SignupReply) ProtoMessage() {}

type Server struct{ mail *Mailer }

func (s *Server) Signup(ctx context.Context, req *SignupRequest) (*SignupReply, error) {
	if req.User == "" {
		return nil, errors.New("no user")
	}
	go s.mail.SendWelcome(ctx, req.User) // want `the goroutine works under the request context of Server.Signup.*: ctx is the ctx of a gRPC method`
	return &SignupReply{ID: 1}, nil
}

// A gRPC server stream: its Context() ends with the call.
type WatchServer interface {
	Send(*SignupReply) error
	Context() context.Context
	SetTrailer(map[string][]string)
	SendMsg(any) error
	RecvMsg(any) error
}

func (s *Server) Watch(req *SignupRequest, stream WatchServer) error {
	go s.mail.SendWelcome(stream.Context(), req.User) // want `the goroutine works under the request context of Server.Watch.*: stream is the stream of a gRPC streaming method`
	return stream.Send(&SignupReply{})
}

// A handler registered as a function literal.
func Routes(mux *http.ServeMux, m *Mailer) {
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		go m.SendWelcome(r.Context(), "hello") // want `the goroutine works under the request context of Routes.func1`
	})
}
