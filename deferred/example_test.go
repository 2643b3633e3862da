package deferred_test

import (
	"errors"
	"fmt"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// An async function awaits a Deferred; the client gives up, the cancel
// travels down to the awaited Deferred, and the *CancelledError travels back
// up out of Await.
func ExampleRun() {
	fetch := deferred.New[string](nil) // an operation that has not finished
	request := deferred.Run(func(t *deferred.Task) (string, error) {
		body, err := deferred.Await(t, fetch)
		if err != nil {
			return "", fmt.Errorf("loading room: %w", err)
		}
		return body, nil
	})
	request.CancelWithReason("client disconnected")
	_, err, _ := request.Result()
	fmt.Println(err)
	fmt.Println(errors.Is(err, deferred.ErrCancelled))
	// Output:
	// loading room: deferred: cancelled: client disconnected
	// true
}
