package ctxshared

import (
	_ "embed"

	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

//go:embed doc.go
var doc string

// Analyzer reports work shared by concurrent callers that runs under one
// caller's context.
var Analyzer = cancellable.NewRule(cancellable.CtxShared, doc)
