package server

import (
	"net/http"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredhttp"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
	"github.com/cancelcheck/cancelcheck/examples/chat/rooms"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

// BadRoutes registers, under /bad/, versions of the read endpoints with
// the cancellation hazards of Synapse's guide: each handler below says
// which rule of cancelcheck reports it. They are as cancellable as the
// good ones, which is what makes the hazards hazards.
func (s *Server) BadRoutes(mux *http.ServeMux) {
	mux.Handle("GET /bad/rooms/{room}", deferredhttp.Cancellable("room-unshielded", s.GetRoomUnshielded))
	mux.Handle("GET /bad/rooms/{room}/members", deferredhttp.Cancellable("members-equals-check", s.GetMembersEqualsCheck))
	mux.Handle("GET /bad/rooms/{room}/messages", deferredhttp.Cancellable("messages-or-empty", s.GetMessagesOrEmpty))
	mux.Handle("GET /bad/rooms/{room}/messages-wrapped", deferredhttp.Cancellable("messages-wrap-with-v", s.GetMessagesWrapWithV))
	mux.Handle("GET /bad/rooms/{room}/messages-receipts", deferredhttp.Cancellable("messages-optional-receipts", s.GetMessagesOptionalReceipts))
	mux.Handle("GET /bad/rooms/{room}/search", deferredhttp.Cancellable("search-observe-only", s.SearchObserveOnly))
}

// GetRoomUnshielded is GetRoom over rooms.Service.RoomUnshielded.
// Hazard (shareddeferred), in package rooms: the load in flight is shared
// unshielded.
func (s *Server) GetRoomUnshielded(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	room, err := s.rooms.RoomUnshielded(t, r.PathValue("room"))
	if err != nil {
		return deferredhttp.Response{}, httpError(err)
	}
	return deferredhttp.JSON(http.StatusOK, room)
}

// GetMembersEqualsCheck is GetMembers over
// rooms.Service.MembersEqualsCheck.
// Hazard (firsterror), in package rooms: err == deferred.ErrCancelled
// after a Gather.
func (s *Server) GetMembersEqualsCheck(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	members, err := s.rooms.MembersEqualsCheck(t, r.PathValue("room"))
	if err != nil {
		return deferredhttp.Response{}, httpError(err)
	}
	return deferredhttp.JSON(http.StatusOK, members)
}

// GetMessagesOrEmpty is GetMessages answering with an empty page when the
// history cannot be loaded, so that clients always get a page.
//
// Hazard (swallowedcancel), here: a cancelled request's *CancelledError
// is logged as a failure to load the history and dropped, and the handler
// goes on and answers 200. The fix is to test errors.Is(err,
// deferred.ErrCancelled) first and return the error.
func (s *Server) GetMessagesOrEmpty(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	since, err := sinceParam(r)
	if err != nil {
		return deferredhttp.Response{}, err
	}
	page, err := s.rooms.History(t, r.PathValue("room"), since)
	if err != nil {
		logcontext.Logger(t).Warn("answering with an empty page", "err", err)
		return deferredhttp.JSON(http.StatusOK, rooms.Page{Messages: []store.Message{}})
	}
	return deferredhttp.JSON(http.StatusOK, page)
}

// GetMessagesWrapWithV is GetMessages over rooms.Service.HistoryWrapWithV.
// Hazard (firsterror), in package rooms: the error is wrapped with %v.
func (s *Server) GetMessagesWrapWithV(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	since, err := sinceParam(r)
	if err != nil {
		return deferredhttp.Response{}, err
	}
	page, err := s.rooms.HistoryWrapWithV(t, r.PathValue("room"), since)
	if err != nil {
		return deferredhttp.Response{}, httpError(err)
	}
	return deferredhttp.JSON(http.StatusOK, page)
}

// GetMessagesOptionalReceipts is GetMessages over
// rooms.Service.HistoryOptionalReceipts.
// Hazard (swallowedcancel), in package rooms: an errback recovers every
// error.
func (s *Server) GetMessagesOptionalReceipts(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	since, err := sinceParam(r)
	if err != nil {
		return deferredhttp.Response{}, err
	}
	page, err := s.rooms.HistoryOptionalReceipts(t, r.PathValue("room"), since)
	if err != nil {
		return deferredhttp.Response{}, httpError(err)
	}
	return deferredhttp.JSON(http.StatusOK, page)
}

// SearchObserveOnly is Search over rooms.Service.SearchObserveOnly.
// Hazard (logcontextleak), in package rooms: the index is built in the
// request's logging context, which the request does not wait for.
func (s *Server) SearchObserveOnly(t *deferred.Task, r *http.Request) (deferredhttp.Response, error) {
	word := r.URL.Query().Get("q")
	if word == "" {
		return deferredhttp.Response{}, &deferredhttp.Error{Status: http.StatusBadRequest, Message: "missing q"}
	}
	found, err := s.rooms.SearchObserveOnly(t, r.PathValue("room"), word)
	if err != nil {
		return deferredhttp.Response{}, httpError(err)
	}
	return deferredhttp.JSON(http.StatusOK, found)
}
