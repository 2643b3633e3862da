package ctxbackground

import (
	_ "embed"

	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

//go:embed doc.go
var doc string

// Analyzer reports work started in the background under a request's
// context.
var Analyzer = cancellable.NewRule(cancellable.CtxBackground, doc)
