// Package errors is a stand-in for github.com/pkg/errors v0.9.1 with its
// API and its error types' methods (Error, Cause, Unwrap), without the
// stacks: the fixtures test what the context model says of its calls.
package errors

import "fmt"

func New(message string) error { return &fundamental{msg: message} }

func Errorf(format string, args ...interface{}) error {
	return &fundamental{msg: fmt.Sprintf(format, args...)}
}

type fundamental struct{ msg string }

func (f *fundamental) Error() string { return f.msg }

func WithStack(err error) error {
	if err == nil {
		return nil
	}
	return &withStack{err}
}

type withStack struct{ error }

func (w *withStack) Cause() error  { return w.error }
func (w *withStack) Unwrap() error { return w.error }

func Wrap(err error, message string) error {
	if err == nil {
		return nil
	}
	return &withStack{&withMessage{cause: err, msg: message}}
}

func Wrapf(err error, format string, args ...interface{}) error {
	if err == nil {
		return nil
	}
	return &withStack{&withMessage{cause: err, msg: fmt.Sprintf(format, args...)}}
}

func WithMessage(err error, message string) error {
	if err == nil {
		return nil
	}
	return &withMessage{cause: err, msg: message}
}

func WithMessagef(err error, format string, args ...interface{}) error {
	if err == nil {
		return nil
	}
	return &withMessage{cause: err, msg: fmt.Sprintf(format, args...)}
}

type withMessage struct {
	cause error
	msg   string
}

func (w *withMessage) Error() string { return w.msg + ": " + w.cause.Error() }
func (w *withMessage) Cause() error  { return w.cause }
func (w *withMessage) Unwrap() error { return w.cause }

func Cause(err error) error {
	type causer interface{ Cause() error }
	for err != nil {
		cause, ok := err.(causer)
		if !ok {
			break
		}
		err = cause.Cause()
	}
	return err
}
