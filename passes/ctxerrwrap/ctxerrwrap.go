package ctxerrwrap

import (
	_ "embed"

	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

//go:embed doc.go
var doc string

// Analyzer reports context errors passed on in a form that no longer
// holds them.
var Analyzer = cancellable.NewRule(cancellable.CtxErrWrap, doc)
