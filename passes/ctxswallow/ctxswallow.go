package ctxswallow

import (
	_ "embed"

	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

//go:embed doc.go
var doc string

// Analyzer reports context cancellations swallowed or reported as
// success.
var Analyzer = cancellable.NewRule(cancellable.CtxSwallow, doc)
