package rooms

import (
	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

// SearchObserveOnly is Search with every request, the one that started the
// build too, waiting for the index only through an Observe().
//
// Hazard (logcontextleak): the build runs in the logging context of the
// request that started it, and is not cancelled with it. When that request
// is cancelled, its Observe() fails at once, the request ends and its
// logging context is finished while the build still runs and then logs in
// it (Synapse's "Uncancelled processing"). The fix is index's
// DelayCancellation, or RunAsBackgroundProcess.
func (s *Service) SearchObserveOnly(t *deferred.Task, room, word string) ([]store.Message, error) {
	o, built := s.indexOf(room)
	if built != nil {
		logcontext.RunInBackground(t, func(t *deferred.Task) (struct{}, error) {
			s.buildIndex(t, room, built)
			return struct{}{}, nil
		})
	}
	x, err := deferred.Await(t, o.Observe())
	if err != nil {
		return nil, err
	}
	return x.Lookup(word), nil
}
