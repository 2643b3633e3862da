// Package integration holds the tests that run cancelcheck the way its
// users do — go vet -vettool, the standalone command with its output
// formats and fixes, the CI gate with SARIF and baselines — on the
// fixture module in testdata/integration. They build the real binary and
// run it on a copy of the fixture whose go.mod points at this checkout,
// so they need no network.
//
// The fixture's package api has entry points declared with
// //cancelcheck:cancellable, package web handlers registered with
// deferredhttp.Cancellable; both reach the problems of package store,
// which has no entry point of its own; package clean is correct code;
// package hooks has entry points only with -entrypoints=//feeds:handler.
//
// The golangci-lint plugin is tested by .ci/golangci.sh (it builds
// golangci-lint), and the SARIF output is validated against the SARIF
// 2.1.0 JSON schema by .ci/sarif.sh; both run on the same fixture.
package integration
