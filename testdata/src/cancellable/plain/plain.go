// Package plain uses neither the runtime nor contexts, and calls no
// function it is given: the pass skips it.
package plain

import "fmt"

// Swallow would be a problem in code that used the runtime.
func Swallow(err error) int {
	if err != nil {
		fmt.Println(err)
		return 0
	}
	return 1
}
