// Package iface holds what stays out of reach through interfaces: every
// analyzer is silent on it (analyzers.TestLimits), and docs/analysis.md's
// Limits say why.
package iface

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Loader is implemented only in packages that import this one: no
// implementation is in sight here, so a call through it is not a source.
type Loader interface {
	Load(t *deferred.Task) (int, error)
}

// Missed: if an importer's Load awaits, this swallows its cancellation.
//
//cancelcheck:cancellable
func OnGet(t *deferred.Task, l Loader) (int, error) {
	n, err := l.Load(t)
	if err != nil {
		log.Printf("load: %v", err)
		return 0, nil
	}
	return n, nil
}
