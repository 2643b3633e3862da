// Package api has entry points declared with //cancelcheck:cancellable:
// each reaches code in package store or has a problem of its own.
package api

import (
	"log"

	"example.com/feeds/store"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// OnTitle reaches store.Store.Title, which swallows the cancellation.
//
//cancelcheck:cancellable
func OnTitle(t *deferred.Task, s *store.Store, name string) (string, error) {
	return s.Title(t, name), nil
}

// OnBody reaches store.Store.Body, which cuts the error chain.
//
//cancelcheck:cancellable
func OnBody(t *deferred.Task, s *store.Store, name string) (string, error) {
	return s.Body(t, name)
}

// OnSummary reaches store.Store.Summary, whose mistake is suppressed.
//
//cancelcheck:cancellable
func OnSummary(t *deferred.Task, s *store.Store, name string) (string, error) {
	return s.Summary(t, name), nil
}

// OnRefresh swallows a cancellation; golangci-lint's nolint silences it
// there, the other drivers report it.
//
//cancelcheck:cancellable
func OnRefresh(t *deferred.Task, d *deferred.Deferred[int]) error {
	_, err := deferred.Await(t, d)
	if err != nil { //nolint:cancelcheck // refreshing is best effort
		log.Print(err)
	}
	return nil
}

// OnCount swallows a cancellation under an ignore directive without a
// reason: the directive is reported, and so is the finding.
//
//cancelcheck:cancellable
func OnCount(t *deferred.Task, d *deferred.Deferred[int]) (int, error) {
	n, err := deferred.Await(t, d)
	//cancelcheck:ignore swallowedcancel
	if err != nil {
		log.Print(err)
		return 0, nil
	}
	return n, nil
}
