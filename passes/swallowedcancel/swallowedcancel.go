package swallowedcancel

import (
	_ "embed"

	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

//go:embed doc.go
var doc string

// Analyzer reports cancellation errors that are caught and dropped.
var Analyzer = cancellable.NewRule(cancellable.SwallowedCancel, doc)
