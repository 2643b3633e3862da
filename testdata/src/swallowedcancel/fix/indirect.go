package fix

import "log"

// This file does not import the runtime: the fix adds both imports.
//
//cancelcheck:cancellable
func Indirect(t *task) (int, error) {
	n, err := load(t)
	if err != nil { // want `the error from load may be a cancellation`
		log.Print(err)
		return 0, nil
	}
	return n, nil
}
