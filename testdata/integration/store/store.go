// Package store loads feeds. It has no entry point of its own: its
// problems are reported where the entry points of packages api and web
// reach them, through the facts cancelcheck exports for this package.
package store

import (
	"fmt"
	"log"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// Store fetches feed items.
type Store struct {
	Fetch func(name string) *deferred.Deferred[string]
}

// Title swallows a cancellation: it logs the failure and returns "".
func (s *Store) Title(t *deferred.Task, name string) string {
	title, err := deferred.Await(t, s.Fetch(name))
	if err != nil {
		log.Printf("title of %s: %v", name, err)
		return ""
	}
	return title
}

// Body cuts the cancellation out of its error chain with %v.
func (s *Store) Body(t *deferred.Task, name string) (string, error) {
	body, err := deferred.Await(t, s.Fetch(name))
	if err != nil {
		return "", fmt.Errorf("body of %s: %v", name, err)
	}
	return body, nil
}

// Summary makes Title's mistake on purpose, and says why.
func (s *Store) Summary(t *deferred.Task, name string) string {
	sum, err := deferred.Await(t, s.Fetch(name))
	//cancelcheck:ignore swallowedcancel summaries are optional; the caller checks for cancellation next
	if err != nil {
		return ""
	}
	return sum
}

// Authors loads the authors of several feeds at once, and keeps the
// cancellation in its error chain: correct.
func (s *Store) Authors(t *deferred.Task, names []string) ([]string, error) {
	var ds []*deferred.Deferred[string]
	for _, name := range names {
		ds = append(ds, s.Fetch(name))
	}
	authors, err := deferred.Await(t, deferred.Gather(ds, true))
	if err != nil {
		return nil, fmt.Errorf("authors of %v: %w", names, err)
	}
	return authors, nil
}

// Link cuts the cancellation out of its error chain, like Body. It is the
// file's last declaration: go vet, which knows this package by its export
// data, knows no line past it, so it cannot show where the problem is.
func (s *Store) Link(t *deferred.Task, name string) (string, error) {
	link, err := deferred.Await(t, s.Fetch(name))
	if err != nil {
		return "", fmt.Errorf("link of %s: %v", name, err)
	}
	return link, nil
}
