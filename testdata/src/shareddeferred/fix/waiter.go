package fix

import "github.com/cancelcheck/cancelcheck/deferred"

// A shared Deferred handed to a helper that awaits it is shielded where it
// is handed over; a slice of them gets no fix (a slice cannot be wrapped).

func wait(t *deferred.Task, d *deferred.Deferred[string]) (string, error) {
	return deferred.Await(t, d)
}

func waitAll(t *deferred.Task, ds []*deferred.Deferred[string]) ([]string, error) {
	return deferred.Await(t, deferred.Gather(ds, true))
}

//cancelcheck:cancellable
func OnWait(t *deferred.Task) (string, error) {
	if _, err := waitAll(t, []*deferred.Deferred[string]{sessions["a"]}); err != nil { // want `shared Deferred awaited by cancellable code, in waitAll: loaded from map sessions`
		return "", err
	}
	return wait(t, sessions["s"]) // want `shared Deferred awaited by cancellable code, in wait: loaded from map sessions`
}
