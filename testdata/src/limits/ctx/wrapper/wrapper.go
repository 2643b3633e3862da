// Package wrapper is an error-wrapping library that imports no context
// (github.com/pkg/errors' shape): it is not summarised.
package wrapper

type withMessage struct {
	msg string
	err error
}

func (w *withMessage) Error() string { return w.msg + ": " + w.err.Error() }
func (w *withMessage) Unwrap() error { return w.err }

// Wrap annotates err.
func Wrap(err error, msg string) error {
	if err == nil {
		return nil
	}
	return &withMessage{msg, err}
}
