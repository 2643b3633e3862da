// Package deferredtest provides test helpers for code built on package
// deferred: a deterministic clock that tests advance by hand (Twisted's
// task.Clock), and (soon) the cancel-at-every-await harness.
package deferredtest
