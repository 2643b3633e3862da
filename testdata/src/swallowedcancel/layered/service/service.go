// Package service declares the repository its logic runs on; the
// repository is implemented in package store, which imports this one.
package service

import "github.com/cancelcheck/cancelcheck/deferred"

// Repo loads rooms.
type Repo interface {
	Load(t *deferred.Task, id string) (string, error)
}

// Rooms is the logic over a Repo.
type Rooms struct{ Repo Repo }

// Name loads a room's name through the repository: the call cannot be
// resolved here, no implementation is in sight.
func (r *Rooms) Name(t *deferred.Task, id string) (string, error) {
	return r.Repo.Load(t, id)
}
