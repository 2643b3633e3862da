package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/deferredtest"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

const latency = 10 * time.Millisecond

// result advances clock past the latency and returns d's result.
func result[T any](t *testing.T, clock *deferredtest.Clock, d *deferred.Deferred[T]) (T, error) {
	t.Helper()
	if d.Called() {
		t.Fatal("the store answered before its latency had elapsed")
	}
	clock.Advance(latency)
	v, err, ok := d.Result()
	if !ok {
		t.Fatal("the store did not answer once its latency had elapsed")
	}
	d.AddErrback(func(error) (T, error) { return v, nil }) // handled: checked below
	return v, err
}

func TestMessagesSince(t *testing.T) {
	clock := new(deferredtest.Clock)
	s := store.Demo(clock, latency)
	for _, tc := range []struct {
		since int
		want  []int
	}{
		{0, []int{1, 2, 3}},
		{1, []int{2, 3}},
		{3, nil},
		{7, nil},
	} {
		ms, err := result(t, clock, s.Messages("!lobby", tc.since))
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int
		for _, m := range ms {
			seqs = append(seqs, m.Seq)
		}
		if !slices.Equal(seqs, tc.want) {
			t.Errorf("Messages(!lobby, %d) = %v, want %v", tc.since, seqs, tc.want)
		}
	}
}

func TestNotFound(t *testing.T) {
	clock := new(deferredtest.Clock)
	s := store.Demo(clock, latency)
	for name, query := range map[string]func() *deferred.Deferred[struct{}]{
		"Room":     func() *deferred.Deferred[struct{}] { return discard(s.Room("!nowhere")) },
		"Members":  func() *deferred.Deferred[struct{}] { return discard(s.Members("!nowhere")) },
		"Profile":  func() *deferred.Deferred[struct{}] { return discard(s.Profile("@carol")) },
		"Messages": func() *deferred.Deferred[struct{}] { return discard(s.Messages("!nowhere", 0)) },
		"Receipts": func() *deferred.Deferred[struct{}] { return discard(s.Receipts("!nowhere")) },
		"Send":     func() *deferred.Deferred[struct{}] { return discard(s.Send("!nowhere", "@alice", "hi")) },
	} {
		if _, err := result(t, clock, query()); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s of something missing failed with %v, want ErrNotFound", name, err)
		}
	}
}

// discard drops the value of d, so that queries of different types fit in
// one table.
func discard[T any](d *deferred.Deferred[T]) *deferred.Deferred[struct{}] {
	return deferred.Then(d, func(T) (struct{}, error) { return struct{}{}, nil })
}

// A query cancelled before its latency has elapsed is not run: a message
// whose Send was cancelled is not sent.
func TestCancelledSendIsNotRun(t *testing.T) {
	clock := new(deferredtest.Clock)
	s := store.Demo(clock, latency)
	send := s.Send("!dev", "@bob", "never mind")
	send.Cancel()
	if _, err, _ := send.Result(); !errors.Is(err, deferred.ErrCancelled) {
		t.Fatalf("cancelled Send failed with %v, want a cancellation", err)
	}
	send.AddErrback(func(error) (store.Message, error) { return store.Message{}, nil })
	ms, err := result(t, clock, s.Messages("!dev", 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Errorf("after a cancelled Send, !dev has %d messages, want 2", len(ms))
	}
}
