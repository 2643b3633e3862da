// Package deferredtest provides test helpers for code built on package
// deferred: Clock, a deterministic clock that tests advance by hand
// (Twisted's task.Clock); CancelAtEveryAwait, which cancels an operation at
// each of its await points in turn and checks that it survives (Synapse's
// make_request_with_cancellation_test); and NoLeaks, which fails a test that
// leaves goroutines behind.
package deferredtest
