// Package app wires the layers: here the repository becomes a service.Repo
// that api's entry point calls through.
package app

import (
	"swallowedcancel/layered/api"
	"swallowedcancel/layered/service"
	"swallowedcancel/layered/store"
)

func New() *api.API {
	return &api.API{Rooms: &service.Rooms{Repo: &store.Repo{}}} // want `in store.Repo.Load at swallowedcancel/layered/store/store.go:22, which service.Repo.Load may call here: the error from Await may be a cancellation.*\(call path: api.API.OnGet → service.Rooms.Name → store.Repo.Load\)`
}

func NewSafe() *api.API {
	return &api.API{Rooms: &service.Rooms{Repo: &store.Safe{}}}
}
