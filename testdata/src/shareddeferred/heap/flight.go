// Package heap keeps Deferreds in the heap, field by field: in a field of
// a map value, in a slice element, in a sync.Map value, in a package
// variable, in a field cached on a long-lived value; and hands them out
// through local slices and WithLock-style wrappers.
package heap

import (
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// A singleflight group, written tersely: the map holds a struct per key,
// and the Deferred is a field of it.

type call struct {
	done *deferred.Deferred[[]byte]
	dups int
}

type Group struct {
	mu sync.Mutex
	m  map[string]*call
}

func (g *Group) Do(key string, fn func() *deferred.Deferred[[]byte]) *deferred.Deferred[[]byte] {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.m[key]; ok {
		c.dups++
		return c.done // want `shared Deferred handed to cancellable code: loaded from field g\.m\[…\]\.done; .*\(call path: OnFetch → fetchBlob → Group\.Do\)`
	}
	c := &call{done: fn()}
	g.m[key] = c
	return c.done // want `shared Deferred handed to cancellable code: loaded from field done of a value stored in map g\.m; .*\(call path: OnFetch → fetchBlob → Group\.Do\)`
}

var blobs = &Group{m: map[string]*call{}}

func fetchBlob(key string) *deferred.Deferred[[]byte] {
	return blobs.Do(key, func() *deferred.Deferred[[]byte] { return deferred.New[[]byte](nil) })
}

//cancelcheck:cancellable
func OnFetch(t *deferred.Task, key string) (int, error) {
	b, err := deferred.Await(t, fetchBlob(key))
	return len(b), err
}

// Good: the same group, with a shield on the way out.

func (g *Group) DoShielded(key string, fn func() *deferred.Deferred[[]byte]) *deferred.Deferred[[]byte] {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.m[key]
	if !ok {
		c = &call{done: fn()}
		g.m[key] = c
	}
	c.dups++
	return deferred.StopCancellation(c.done)
}

//cancelcheck:cancellable
func OnFetchShielded(t *deferred.Task, key string) (int, error) {
	b, err := deferred.Await(t, blobs.DoShielded(key, func() *deferred.Deferred[[]byte] {
		return deferred.New[[]byte](nil)
	}))
	return len(b), err
}

// The same struct-per-key map in a layered style: a lookup that returns
// the entry, and a waiter that reads the entry's field. The entry is
// shared storage, wherever it is read.

type roomState struct {
	joined *deferred.Deferred[struct{}]
	name   string
}

type Rooms struct {
	byID map[string]*roomState
}

func (r *Rooms) state(id string) *roomState {
	st := r.byID[id]
	if st == nil {
		st = &roomState{joined: deferred.New[struct{}](nil), name: id}
		r.byID[id] = st
	}
	return st
}

func (r *Rooms) waitJoined(id string) *deferred.Deferred[struct{}] {
	return r.state(id).joined // want `shared Deferred handed to cancellable code: loaded from field r\.byID\[…\]\.joined; .*\(call path: Rooms\.OnJoin → Rooms\.waitJoined\)`
}

//cancelcheck:cancellable
func (r *Rooms) OnJoin(t *deferred.Task, id string) (int, error) {
	if _, err := deferred.Await(t, r.waitJoined(id)); err != nil {
		return 0, err
	}
	return 200, nil
}

// Good: an entry made in this call, never stored, is the caller's own.

func freshState(id string) *roomState {
	return &roomState{joined: deferred.New[struct{}](nil), name: id}
}

//cancelcheck:cancellable
func OnFreshJoin(t *deferred.Task, id string) (int, error) {
	if _, err := deferred.Await(t, freshState(id).joined); err != nil {
		return 0, err
	}
	return 200, nil
}

// Good: per-request entries kept by request id; the map is only read to
// resolve them, never to hand one out.

type request struct {
	reply *deferred.Deferred[string]
}

type Client struct {
	pending map[int]*request
	next    int
}

func (c *Client) send() *deferred.Deferred[string] {
	c.next++
	req := &request{reply: deferred.New[string](nil)}
	c.pending[c.next] = req
	return req.reply
}

func (c *Client) resolve(id int, body string) {
	if req, ok := c.pending[id]; ok {
		delete(c.pending, id)
		req.reply.Callback(body)
	}
}

var client = &Client{pending: map[int]*request{}}

//cancelcheck:cancellable
func OnSend(t *deferred.Task) (string, error) {
	client.resolve(0, "")
	return deferred.Await(t, client.send())
}

// A function literal called where it is made hands out the shared entry;
// the same literal over a map of this call's own is silent.

//cancelcheck:cancellable
func (r *Rooms) OnLiteral(t *deferred.Task, id string) (int, error) {
	joined := func(id string) *deferred.Deferred[struct{}] {
		return r.byID[id].joined // want `shared Deferred handed to cancellable code: loaded from field r\.byID\[…\]\.joined; .*\(call path: Rooms\.OnLiteral → Rooms\.OnLiteral\.func1\)`
	}
	if _, err := deferred.Await(t, joined(id)); err != nil {
		return 0, err
	}
	own := map[string]*roomState{id: freshState(id)}
	ownJoined := func(id string) *deferred.Deferred[struct{}] { return own[id].joined }
	if _, err := deferred.Await(t, ownJoined(id)); err != nil {
		return 0, err
	}
	return 200, nil
}
