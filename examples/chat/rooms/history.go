package rooms

import (
	"errors"
	"fmt"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

// A Page is a part of a room's history: its messages after a point, and
// how far each member has read (user → last Seq read).
type Page struct {
	Messages []store.Message `json:"messages"`
	Receipts map[string]int  `json:"receipts,omitempty"`
}

// History returns the messages of a room with a Seq above since, with the
// room's read receipts when they can be loaded.
func (s *Service) History(t *deferred.Task, room string, since int) (Page, error) {
	msgs, err := deferred.Await(t, s.store.Messages(room, since))
	if err != nil {
		return Page{}, fmt.Errorf("history of %s: %w", room, err)
	}
	receipts, err := s.receipts(t, room)
	if err != nil {
		return Page{}, err
	}
	return Page{Messages: msgs, Receipts: receipts}, nil
}

// receipts loads the read receipts of a room. They are optional: if they
// cannot be loaded, the page goes without them, unless the request was
// cancelled.
func (s *Service) receipts(t *deferred.Task, room string) (map[string]int, error) {
	receipts, err := deferred.Await(t, s.store.Receipts(room))
	if err != nil {
		if errors.Is(err, deferred.ErrCancelled) {
			return nil, err
		}
		logcontext.Logger(t).Warn("history without read receipts", "room", room, "err", err)
		return nil, nil
	}
	return receipts, nil
}
