// Package store implements service.Repo.
package store

import (
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"

	"swallowedcancel/layered/service"
)

// DB is the storage.
type DB struct{}

func (DB) query(id string) *deferred.Deferred[string] { return deferred.New[string](nil) }

// Repo swallows the cancellation of its query.
type Repo struct{ db DB }

func (r *Repo) Load(t *deferred.Task, id string) (string, error) {
	name, err := deferred.Await(t, r.db.query(id))
	if err != nil {
		log.Printf("load %s: %v", id, err)
		return "", nil
	}
	return name, nil
}

// Safe re-raises it.
type Safe struct{ db DB }

func (r *Safe) Load(t *deferred.Task, id string) (string, error) {
	return deferred.Await(t, r.db.query(id))
}

var _ service.Repo = (*Repo)(nil)
