package rooms

import (
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

// An Index is the search index of a room: the messages that contain each
// word.
type Index struct {
	mu    sync.Mutex
	seqs  map[int]bool               // the messages indexed
	words map[string][]store.Message // lower-case word → messages, by Seq
}

func newIndex() *Index {
	return &Index{seqs: make(map[int]bool), words: make(map[string][]store.Message)}
}

// add indexes m, unless it is indexed already.
func (x *Index) add(m store.Message) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.seqs[m.Seq] {
		return
	}
	x.seqs[m.Seq] = true
	for _, w := range words(m.Body) {
		ms := x.words[w]
		i, _ := slices.BinarySearchFunc(ms, m.Seq, func(m store.Message, seq int) int { return m.Seq - seq })
		x.words[w] = slices.Insert(ms, i, m)
	}
}

// Lookup returns the messages that contain word, oldest first (an empty
// slice, not nil, if there are none).
func (x *Index) Lookup(word string) []store.Message {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]store.Message{}, x.words[strings.ToLower(word)]...)
}

// words returns the distinct words of s, in lower case.
func words(s string) []string {
	ws := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	slices.Sort(ws)
	return slices.Compact(ws)
}

// Search returns the messages of a room that contain word. The room's
// index is built when the room is first searched.
func (s *Service) Search(t *deferred.Task, room, word string) ([]store.Message, error) {
	x, err := s.index(t, room)
	if err != nil {
		return nil, err
	}
	return x.Lookup(word), nil
}

// index returns the index of a room, waiting for it to be built. The first
// request for it starts the build, and every request waits for the build
// through an Observe() of its own.
func (s *Service) index(t *deferred.Task, room string) (*Index, error) {
	o, built := s.indexOf(room)
	if built == nil {
		return deferred.Await(t, o.Observe())
	}
	// The build runs in this request's logging context: its log records
	// and its cost are the request's. The request must then not end before
	// the build does, even when it is cancelled: DelayCancellation holds
	// its *CancelledError back until the build is done (Synapse's
	// delay_cancellation). The build itself is not cancelled, since the
	// other requests wait for it too.
	logcontext.RunInBackground(t, func(t *deferred.Task) (struct{}, error) {
		s.buildIndex(t, room, built)
		return struct{}{}, nil
	})
	return deferred.Await(t, deferred.DelayCancellation(o.Observe()))
}

// indexOf returns the Observable of a room's index. If there was none, it
// makes one and returns, as built, the Deferred that the caller must fire
// with the index once it has built it.
func (s *Service) indexOf(room string) (o *deferred.Observable[*Index], built *deferred.Deferred[*Index]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.indexes[room]; ok {
		return o, nil
	}
	built = deferred.New[*Index](nil)
	o = deferred.NewObservable(built, true)
	s.indexes[room] = o
	return o, built
}

// buildIndex indexes the messages of a room and fires built with the
// index. If the messages cannot be loaded, it fails built and forgets the
// index, so that the next search tries again.
func (s *Service) buildIndex(t *deferred.Task, room string, built *deferred.Deferred[*Index]) {
	msgs, err := deferred.Await(t, s.store.Messages(room, 0))
	if err != nil {
		s.mu.Lock()
		delete(s.indexes, room)
		s.mu.Unlock()
		built.Errback(err)
		return
	}
	x := newIndex()
	for _, m := range msgs {
		x.add(m)
	}
	logcontext.Logger(t).Info("indexed room", "room", room, "messages", len(msgs))
	built.Callback(x)
}

// IndexMessage adds a message just sent to a room to the room's index, if
// the room has one (else the message is indexed when the room is first
// searched). It works in the background, in a logging context of its own
// (Synapse's run_as_background_process): the request that sent the message
// does not wait for it.
func (s *Service) IndexMessage(room string, m store.Message) {
	s.mu.Lock()
	o, ok := s.indexes[room]
	s.mu.Unlock()
	if !ok {
		return
	}
	logcontext.RunAsBackgroundProcess("index-message", func(t *deferred.Task) (struct{}, error) {
		x, err := deferred.Await(t, o.Observe())
		if err != nil {
			return struct{}{}, err // the build failed; the next one reads the store
		}
		x.add(m)
		return struct{}{}, nil
	})
}
