package rooms

import (
	"fmt"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// HistoryWrapWithV is History with its error wrapped with %v instead of
// %w.
//
// Hazard (firsterror): %v formats the *CancelledError into a new error's
// text and cuts it out of the chain: errors.Is no longer finds the
// cancellation, and the request fails as if the store had failed (the
// HTTP adapter answers 500 instead of 499). The fix is History's %w.
func (s *Service) HistoryWrapWithV(t *deferred.Task, room string, since int) (Page, error) {
	msgs, err := deferred.Await(t, s.store.Messages(room, since))
	if err != nil {
		return Page{}, fmt.Errorf("history of %s: %v", room, err)
	}
	receipts, err := s.receipts(t, room)
	if err != nil {
		return Page{}, err
	}
	return Page{Messages: msgs, Receipts: receipts}, nil
}

// HistoryOptionalReceipts is History with the read receipts made optional
// by an errback on their load.
//
// Hazard (swallowedcancel): the errback recovers every error, the
// *CancelledError of a cancelled request too: the Await then returns no
// receipts and no error, and the cancelled request goes on and succeeds.
// The fix is to let the cancellation through (History's receipts tests it
// with errors.Is).
func (s *Service) HistoryOptionalReceipts(t *deferred.Task, room string, since int) (Page, error) {
	msgs, err := deferred.Await(t, s.store.Messages(room, since))
	if err != nil {
		return Page{}, fmt.Errorf("history of %s: %w", room, err)
	}
	// Receipts are optional: a page goes without them when they cannot
	// be loaded.
	load := s.store.Receipts(room).AddErrback(func(error) (map[string]int, error) {
		return nil, nil
	})
	receipts, err := deferred.Await(t, load)
	if err != nil {
		return Page{}, err
	}
	return Page{Messages: msgs, Receipts: receipts}, nil
}
