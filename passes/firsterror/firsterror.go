package firsterror

import (
	_ "embed"

	"github.com/cancelcheck/cancelcheck/passes/cancellable"
)

//go:embed doc.go
var doc string

// Analyzer reports cancellation checks and wrapping that hide a
// cancellation.
var Analyzer = cancellable.NewRule(cancellable.FirstErrorRule, doc)
