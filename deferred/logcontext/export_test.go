package logcontext

import "time"

// SetNow replaces the clock of start times and usage, for tests, and
// returns a function that restores it.
func SetNow(f func() time.Time) (restore func()) {
	old := now
	now = f
	return func() { now = old }
}
