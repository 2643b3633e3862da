module github.com/cancelcheck/cancelcheck/analyzers/golangci

go 1.26.0

require (
	github.com/cancelcheck/cancelcheck v0.0.0-00010101000000-000000000000
	github.com/golangci/plugin-module-register v0.1.2
	golang.org/x/tools v0.52.0
)

require (
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
)

replace github.com/cancelcheck/cancelcheck => ../..
