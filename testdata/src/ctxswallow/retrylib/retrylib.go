// Package retrylib is a helper package: Do retries a function it is given
// with no look at any context.
package retrylib

import (
	"log"
	"time"
)

// Do calls f until it succeeds.
func Do(f func() error) {
	for {
		err := f()
		if err == nil { // want `the loop calls f again after it failed`
			return
		}
		log.Printf("retrying: %v", err)
		time.Sleep(time.Second)
	}
}
