// Package orders is an example service in plain net/http and
// context.Context, for cancelcheck's context rules to check: an order API
// over a database/sql store and an inventory service reached over HTTP,
// every call made under the request's context.
//
//   - store: orders in a SQL database (database/sql, any driver);
//   - inventory: a client of the inventory service (net/http);
//   - api: the HTTP handlers.
//
// Each package holds correct code and, in *_bad.go files, versions of it
// with the hazards that cancellation brings to context code: a
// cancellation misidentified with ==, cut out of the error's chain with
// %v, swallowed and reported as success, retried after the context is
// done; work shared by concurrent callers (singleflight) under the first
// caller's context, and background work under a request's context. Run cancelcheck on it from the repository's root:
//
//	go run ./cmd/cancelcheck ./examples/...
//
// It reports each hazard, and nothing in the correct code; the tests of
// this package pin those findings.
package orders
