// Package plain does not use the runtime: the pass skips it.
package plain

import "fmt"

// Swallow would be a problem in code that used the runtime.
func Swallow(f func() error) int {
	if err := f(); err != nil {
		fmt.Println(err)
		return 0
	}
	return 1
}
