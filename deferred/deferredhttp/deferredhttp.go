// Package deferredhttp serves HTTP requests with async functions: a Handler
// runs as a deferred.Task in a logging context of its own (package
// logcontext), and a handler registered with Cancellable is cancelled when
// its client disconnects, as Synapse cancels the request processing of its
// @cancellable endpoints.
//
// A request's Task resumes on whichever goroutine fires what it awaits; the
// goroutine that net/http gave the request waits for the handler's Deferred
// and writes the response, so the http.ResponseWriter is used by that
// goroutine only.
package deferredhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// StatusClientClosedRequest (499, nginx's "Client Closed Request") is the
// status of a request whose handler was cancelled, as in Synapse. When the
// client has disconnected it reaches no one, but it is what the request's
// log record says.
const StatusClientClosedRequest = 499

// A Handler answers one HTTP request as an async function. It runs in the
// request's logging context (logcontext.Current(t), logcontext.Logger(t)),
// and r's Context is t's Context. It answers with a Response, or with an
// error: an *Error gives its status and message, a cancellation gives
// StatusClientClosedRequest, any other error 500 Internal Server Error,
// with the error logged and not sent.
type Handler func(t *deferred.Task, r *http.Request) (Response, error)

// A Response is a handler's answer.
type Response struct {
	// Status is the HTTP status; 0 means 200 OK.
	Status int
	// Header holds headers to add to the response.
	Header http.Header
	Body   []byte
}

// JSON returns a Response with status and v encoded as JSON. It returns an
// error if v cannot be encoded, so that a handler can end with
// `return deferredhttp.JSON(http.StatusOK, v)`.
func JSON(status int, v any) (Response, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return Response{}, fmt.Errorf("deferredhttp: encoding the response: %w", err)
	}
	return Response{
		Status: status,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   body,
	}, nil
}

// An Error is a failure to answer with a given HTTP status (Synapse's
// SynapseError). It may be wrapped: the adapter finds it with errors.As.
type Error struct {
	// Status is the HTTP status to answer with.
	Status int
	// Message is sent to the client, as {"error": Message}.
	Message string
	// Err is the cause, logged and not sent; it may be nil.
	Err error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("%d %s", e.Status, e.Message)
	}
	return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Handle returns an http.Handler that runs h for every request, in a new
// logging context named "<name>-<n>" (n counts the requests of this
// handler), whose records also carry the request's method, path and remote
// address. The handler is not cancellable: it runs to completion even if
// the client disconnects (its Task's Context keeps the request context's
// values, not its cancellation), and the request is logged once as
// "Client disconnected before the response was sent".
func Handle(name string, h Handler) http.Handler {
	return &adapter{name: name, h: h}
}

// Cancellable is Handle for a handler that can be cancelled: when the
// request's context ends because the client disconnected, the request's
// Deferred is cancelled, the Deferred that h awaits is cancelled, and the
// *CancelledError comes back up out of h's Await; r's Context (t's) ends
// too, with the *CancelledError as its cause, so that context-aware code h
// calls stops as well. The request is then
// answered with StatusClientClosedRequest and logged once, as "Request
// cancelled: client disconnected". A cancellation that reaches h without a
// disconnect (a Deferred cancelled by other code) is a bug somewhere and is
// logged at level Error: "Got cancellation before client disconnection". A
// handler that swallows the cancellation and answers normally is logged as
// Handle logs a request whose client has gone.
//
// Every function passed to Cancellable is a cancellable entry point for
// cancelcheck, as if its declaration carried //cancelcheck:cancellable:
// Cancellable's declaration carries the directive
// //cancelcheck:marks-cancellable, which tells the analyzers so. h and
// everything it awaits must therefore survive cancellation. net/http notices a disconnect by reading from
// the connection, which it does once the request body has been read (at
// once for a request without a body).
//
//cancelcheck:marks-cancellable
func Cancellable(name string, h Handler) http.Handler {
	return &adapter{name: name, h: h, cancellable: true}
}

type adapter struct {
	name        string
	h           Handler
	cancellable bool
	requests    atomic.Uint64
}

// reply is what ServeHTTP writes.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (a *adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := fmt.Sprintf("%s-%d", a.name, a.requests.Add(1))
	c := logcontext.New(name, slog.Default().With(
		"method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr))
	// Until ServeHTTP returns, the request's context ends only when the
	// client disconnects.
	disconnected := func() bool { return r.Context().Err() != nil }
	d := logcontext.RunIn(context.WithoutCancel(r.Context()), c, func(t *deferred.Task) (rp reply, _ error) {
		defer func() {
			// Turn a panic into a 500 here, to log it before the
			// request's context finishes.
			if p := recover(); p != nil {
				rp = fail(t, &deferred.PanicError{Value: p, Stack: debug.Stack()}, disconnected())
			}
		}()
		resp, err := a.h(t, r.WithContext(t.Context()))
		if err != nil {
			return fail(t, err, disconnected()), nil
		}
		if disconnected() {
			logcontext.Logger(t).Info("Client disconnected before the response was sent",
				"status", resp.status())
		}
		return reply{resp.status(), resp.Header, resp.Body}, nil
	})
	done := make(chan reply, 1)
	d.AddBoth(func(rp reply, err error) (reply, error) {
		if err != nil { // f fails only if logging a failure panicked
			rp = errorReply(http.StatusInternalServerError, "Internal server error")
		}
		done <- rp
		return rp, nil
	})
	if a.cancellable {
		stop := context.AfterFunc(r.Context(), func() { d.CancelWithReason("client disconnected") })
		defer stop() // net/http ends the context when ServeHTTP returns
	}
	write(w, <-done)
}

func (resp Response) status() int {
	if resp.Status == 0 {
		return http.StatusOK
	}
	return resp.Status
}

// fail maps err to a reply and logs it through the request's logger.
func fail(t *deferred.Task, err error, disconnected bool) reply {
	log := logcontext.Logger(t)
	var he *Error
	switch {
	case errors.As(err, &he):
		level := slog.LevelInfo
		if he.Status >= 500 {
			level = slog.LevelError
		}
		log.Log(t.Context(), level, "Request failed", "status", he.Status, "error", err)
		return errorReply(he.Status, he.Message)
	case errors.Is(err, deferred.ErrCancelled):
		if disconnected {
			log.Info("Request cancelled: client disconnected", "status", StatusClientClosedRequest)
		} else {
			log.Error("Got cancellation before client disconnection",
				"status", StatusClientClosedRequest, "error", err)
		}
		return errorReply(StatusClientClosedRequest, "Request cancelled")
	default:
		attrs := []any{"status", http.StatusInternalServerError, "error", err}
		var pe *deferred.PanicError
		if errors.As(err, &pe) {
			attrs = append(attrs, "stack", string(pe.Stack))
		}
		log.Error("Failed to handle request", attrs...)
		return errorReply(http.StatusInternalServerError, "Internal server error")
	}
}

func errorReply(status int, message string) reply {
	body, _ := json.Marshal(map[string]string{"error": message})
	return reply{status, http.Header{"Content-Type": {"application/json"}}, body}
}

// write sends rp. A failed write means the client has gone, which the
// request's log record says already.
func write(w http.ResponseWriter, rp reply) {
	h := w.Header()
	for k, vs := range rp.header {
		h[k] = append(h[k], vs...)
	}
	w.WriteHeader(rp.status)
	w.Write(rp.body)
}
