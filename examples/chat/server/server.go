// Package server is the chat service's HTTP API: one async handler per
// endpoint, served by package deferredhttp.
//
// Reads are registered with deferredhttp.Cancellable: when a client
// disconnects, the request is cancelled, and every function it reaches must
// survive that, which is what cancelcheck checks from these registrations
// down, across packages. Writes are registered with deferredhttp.Handle and
// always run to completion, as Synapse's guide recommends.
//
// Routes serves the correct handlers. BadRoutes, in handlers_bad.go, serves
// versions of them with the cancellation hazards, under /bad/.
package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredhttp"
	"github.com/cancelcheck/cancelcheck/examples/chat/rooms"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

// Server serves the chat API over a rooms.Service.
type Server struct {
	rooms *rooms.Service
}

// New returns a Server over rs.
func New(rs *rooms.Service) *Server {
	return &Server{rooms: rs}
}

// Routes registers the API on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.Handle("GET /rooms/{room}", deferredhttp.Cancellable("room", s.GetRoom))
	mux.Handle("GET /rooms/{room}/members", deferredhttp.Cancellable("members", s.GetMembers))
	mux.Handle("GET /rooms/{room}/messages", deferredhttp.Cancellable("messages", s.GetMessages))
	mux.Handle("GET /rooms/{room}/search", deferredhttp.Cancellable("search", s.Search))
	mux.Handle("POST /rooms/{room}/messages", deferredhttp.Handle("send", s.PostMessage))
}

// GetRoom answers with a room's name and topic.
func (s *Server) GetRoom(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	room, err := s.rooms.Room(t, r.PathValue("room"))
	if err != nil {
		return deferredhttp.Response{}, httpError(err)
	}
	return deferredhttp.JSON(http.StatusOK, room)
}

// GetMembers answers with a room's members.
func (s *Server) GetMembers(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	members, err := s.rooms.Members(t, r.PathValue("room"))
	if err != nil {
		return deferredhttp.Response{}, httpError(err)
	}
	return deferredhttp.JSON(http.StatusOK, members)
}

// GetMessages answers with a page of a room's history: the messages after
// the one numbered by the query parameter since (0 if absent).
func (s *Server) GetMessages(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	since, err := sinceParam(r)
	if err != nil {
		return deferredhttp.Response{}, err
	}
	page, err := s.rooms.History(t, r.PathValue("room"), since)
	if err != nil {
		return deferredhttp.Response{}, httpError(err)
	}
	return deferredhttp.JSON(http.StatusOK, page)
}

// Search answers with the messages of a room that contain the word given
// by the query parameter q.
func (s *Server) Search(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	word := r.URL.Query().Get("q")
	if word == "" {
		return deferredhttp.Response{}, &deferredhttp.Error{Status: http.StatusBadRequest, Message: "missing q"}
	}
	found, err := s.rooms.Search(t, r.PathValue("room"), word)
	if err != nil {
		return deferredhttp.Response{}, httpError(err)
	}
	return deferredhttp.JSON(http.StatusOK, found)
}

// A sendRequest is the body of a POST to a room's messages.
type sendRequest struct {
	Sender string `json:"sender"`
	Body   string `json:"body"`
}

// PostMessage sends a message to a room and answers with it, numbered.
// It is registered with Handle: a write runs to completion even if its
// client goes away.
func (s *Server) PostMessage(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	var req sendRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Sender == "" || req.Body == "" {
		return deferredhttp.Response{}, &deferredhttp.Error{Status: http.StatusBadRequest, Message: "want {\"sender\": ..., \"body\": ...}", Err: err}
	}
	m, err := s.rooms.Send(t, r.PathValue("room"), req.Sender, req.Body)
	if err != nil {
		return deferredhttp.Response{}, httpError(err)
	}
	return deferredhttp.JSON(http.StatusCreated, m)
}

// sinceParam reads the query parameter since.
func sinceParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("since")
	if v == "" {
		return 0, nil
	}
	since, err := strconv.Atoi(v)
	if err != nil || since < 0 {
		return 0, &deferredhttp.Error{Status: http.StatusBadRequest, Message: "since must be a message number"}
	}
	return since, nil
}

// httpError gives the errors of the store their HTTP status. Every other
// error, a cancellation among them, is passed on as it is, for the adapter
// to answer.
func httpError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return &deferredhttp.Error{Status: http.StatusNotFound, Message: "not found", Err: err}
	}
	return err
}
