package ctxerrcompare

import (
	_ "embed"

	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

//go:embed doc.go
var doc string

// Analyzer reports context errors recognised in a way that wrapping
// defeats.
var Analyzer = cancellable.NewRule(cancellable.CtxErrCompare, doc)
