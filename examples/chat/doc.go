// Package chat is an example service built on the deferred runtime, for
// cancelcheck to check: a small chat server with rooms, members, messages,
// a cache of room loads in flight and search indexes built in the
// background.
//
//   - store: the storage, with its latency on a deferred.Clock;
//   - rooms: the logic, the correct functions and (in *_bad.go) versions
//     of them with the cancellation hazards of Synapse's guide;
//   - server: the HTTP handlers, registered with deferredhttp.Cancellable
//     (reads) and deferredhttp.Handle (writes), the hazardous ones under
//     /bad/;
//   - cmd/chatd: the server, on real time.
//
// Run cancelcheck on it from the repository's root:
//
//	go run ./cmd/cancelcheck ./examples/chat/...
//
// It reports the hazards, each with the call path from the handler that
// reaches it, and nothing in the correct code. The tests of this package
// pin those findings; the tests of package server run every handler under
// deferredtest.CancelAtEveryAwait, which catches the same hazards at run
// time. docs/tutorial.md walks through both.
package chat
