// Package integration holds the tests that run cancelcheck the way its
// users do — go vet -vettool, the standalone command, the CI gate with
// SARIF and baselines — on the fixture module in testdata/integration.
// They build the real binary and run it on a copy of the fixture whose
// go.mod points at this checkout, so they need no network.
//
// The golangci-lint plugin is tested by .ci/golangci.sh (it builds
// golangci-lint), and the SARIF output is validated against the SARIF
// 2.1.0 JSON schema by .ci/sarif.sh.
package integration
