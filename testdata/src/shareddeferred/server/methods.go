package server

import "github.com/cancelcheck/cancelcheck/deferred"

// A method value converted to a named function type keeps its receiver
// too: the Deferred is as shared as the receiver.

type lookup func(key string) *deferred.Deferred[string]

func (s *Server) peekConverted(key string) *deferred.Deferred[string] {
	return s.inflight[key] // want `shared Deferred handed to cancellable code: loaded from map s\.inflight; .*\(call path: Server\.OnConvertedMethodValue → Server\.peekConverted\)`
}

//cancelcheck:cancellable
func (s *Server) OnConvertedMethodValue(t *deferred.Task) (string, error) {
	peek := lookup(s.peekConverted)
	return deferred.Await(t, peek("key"))
}

// A method expression passes the receiver first.

func (s *Server) peekExpr(key string) *deferred.Deferred[string] {
	return s.inflight[key] // want `shared Deferred handed to cancellable code: loaded from map s\.inflight; .*\(call path: Server\.OnMethodExpr → Server\.peekExpr\)`
}

//cancelcheck:cancellable
func (s *Server) OnMethodExpr(t *deferred.Task) (string, error) {
	peek := (*Server).peekExpr
	return deferred.Await(t, peek(s, "key"))
}

// Good: a converted method value of a value made in this call.

//cancelcheck:cancellable
func OnOwnConvertedMethodValue(t *deferred.Task) (string, error) {
	own := &Server{inflight: map[string]*deferred.Deferred[string]{"key": deferred.Succeed("v")}}
	peek := lookup(own.peekConverted)
	return deferred.Await(t, peek("key"))
}

// A runtime method value: AddCallback hands back its receiver, which is
// bound here.

//cancelcheck:cancellable
func (s *Server) OnCallbackMethodValue(t *deferred.Task) (string, error) {
	add := s.inflight["key"].AddCallback
	return deferred.Await(t, add(func(v string) (string, error) { return v, nil })) // want `shared Deferred awaited by cancellable code: loaded from map s\.inflight; .*\(call path: Server\.OnCallbackMethodValue\)`
}
