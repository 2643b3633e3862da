// Package lib has a helper that tells a cancellation with ==: right for
// the context's own error, wrong for one that comes wrapped.
package lib

import "context"

// Canceled reports whether err is the context's cancellation.
func Canceled(err error) bool { return err == context.Canceled }
