package shapes

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// Work started with RunInBackground and dropped: nobody holds its
// Deferred, so no cancellation reaches it, and the failure it logs is
// never one (that the work outlives the request is logcontextleak's).

func record(t *deferred.Task) error {
	_, err := deferred.Await(t, deferred.New[int](nil))
	return err
}

//cancelcheck:cancellable
func OnTouch(t *deferred.Task) error {
	logcontext.RunInBackground(t, func(t *deferred.Task) (struct{}, error) {
		if err := record(t); err != nil {
			log.Printf("recording: %v", err)
		}
		return struct{}{}, nil
	})
	return nil
}

// Awaited, the same work is in the request's call tree: its cancellation
// is swallowed.
//
//cancelcheck:cancellable
func OnTouchAwaited(t *deferred.Task) error {
	_, err := deferred.Await(t, logcontext.RunInBackground(t, func(t *deferred.Task) (struct{}, error) {
		if err := record(t); err != nil { // want `the error from record may be a cancellation, and it is dropped.*\(call path: OnTouchAwaited → OnTouchAwaited.func1\)`
			log.Printf("recording: %v", err)
		}
		return struct{}{}, nil
	}))
	return err
}
