package paths

import "github.com/cancelcheck/cancelcheck/deferred"
import "github.com/cancelcheck/cancelcheck/deferred/logcontext"

// Limits (docs/rules/logcontextleak.md): leaks that are missed, and stay
// silent rather than be guessed at.

// A loop that awaits an element and then may break leaves the later ones
// running; it is taken to await them all.

//cancelcheck:cancellable
func OnUntilEnough(t *deferred.Task, enough int) (int, error) {
	ds := []*deferred.Deferred[int]{
		logcontext.RunInBackground(t, refresh),
		logcontext.RunInBackground(t, refresh),
	}
	sum := 0
	for _, d := range ds {
		v, err := deferred.Await(t, d)
		if err != nil {
			return 0, err
		}
		sum += v
		if sum >= enough {
			break // missed: the rest are not awaited
		}
	}
	return sum, nil
}
