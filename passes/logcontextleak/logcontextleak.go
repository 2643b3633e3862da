package logcontextleak

import (
	_ "embed"

	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

//go:embed doc.go
var doc string

// Analyzer reports background work that can outlive its request's logging
// context.
var Analyzer = cancellable.NewRule(cancellable.LogContextLeak, doc)
