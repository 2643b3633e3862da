package shareddeferred

import (
	_ "embed"

	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

//go:embed doc.go
var doc string

// Analyzer reports shared Deferreds handed to cancellable code unshielded.
var Analyzer = cancellable.NewRule(cancellable.SharedDeferred, doc)
