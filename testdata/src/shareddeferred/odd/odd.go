// Package odd holds shapes that the shareddeferred and logcontextleak
// detectors must get through without an internal error: generics, method
// values, interfaces, recursion, closures, defer, recover, select,
// channels, labelled loops, variadic Gather, maps of maps.
package odd

import (
	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

type Loader[T any] interface {
	Load(key string) *deferred.Deferred[T]
}

type cache[T any] struct {
	m     map[string]map[string]*deferred.Deferred[T]
	byKey map[[2]string]*deferred.Deferred[T]
	list  []*deferred.Deferred[T]
	arr   [4]*deferred.Deferred[T]
	ch    chan *deferred.Deferred[T]
	next  *cache[T]
}

func (c *cache[T]) Load(key string) *deferred.Deferred[T] {
	if inner, ok := c.m[key]; ok {
		return inner[key]
	}
	if d, ok := c.byKey[[2]string{key, key}]; ok {
		return d
	}
	if len(c.list) > 0 {
		return c.list[0]
	}
	if c.arr[1] != nil {
		return c.arr[1]
	}
	if c.next != nil {
		return c.next.Load(key) // recursion
	}
	select {
	case d := <-c.ch:
		return d
	default:
	}
	return deferred.New[T](nil)
}

func awaitAll[T any](t *deferred.Task, l Loader[T], keys ...string) ([]T, error) {
	var ds []*deferred.Deferred[T]
	for _, k := range keys {
		ds = append(ds, l.Load(k)) // through an interface: not followed
	}
	return deferred.Await(t, deferred.Gather(ds, true))
}

var ints = &cache[int]{}

func viaMethodValue(t *deferred.Task) (int, error) {
	load := ints.Load
	return deferred.Await(t, load("k"))
}

func deferred_(t *deferred.Task) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, nil
		}
	}()
	d := logcontext.RunInBackground(t, func(t *deferred.Task) (int, error) { return 1, nil })
	defer deferred.Await(t, d)
outer:
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			if i*j == 2 {
				break outer
			}
			if _, err := deferred.Await(t, ints.Load("k")); err != nil {
				continue outer
			}
		}
	}
	vs, err := deferred.Await(t, deferred.Gather([]*deferred.Deferred[int]{ints.list[0], ints.arr[0]}, false))
	if err != nil {
		return 0, err
	}
	return len(vs), nil
}

func ping(t *deferred.Task, n int) (int, error) {
	if n == 0 {
		return deferred.Await(t, ints.Load("k"))
	}
	return pong(t, n-1)
}

func pong(t *deferred.Task, n int) (int, error) { return ping(t, n) }

func chained(t *deferred.Task) (string, error) {
	d := deferred.Chain(ints.Load("k"), func(n int) *deferred.Deferred[string] {
		return deferred.Succeed("x")
	})
	d.AddCallback(func(s string) (string, error) { return s, nil })
	return deferred.Await(t, d.AddErrback(func(err error) (string, error) { return "", err }))
}

var funcs = map[string]func() *deferred.Deferred[int]{}

func dynamic(t *deferred.Task) (int, error) {
	return deferred.Await(t, funcs["k"]())
}

//cancelcheck:cancellable
func Entry(t *deferred.Task) (int, error) {
	if _, err := awaitAll[int](t, ints, "a", "b"); err != nil {
		return 0, err
	}
	if _, err := viaMethodValue(t); err != nil {
		return 0, err
	}
	if _, err := deferred_(t); err != nil {
		return 0, err
	}
	if _, err := chained(t); err != nil {
		return 0, err
	}
	if _, err := dynamic(t); err != nil {
		return 0, err
	}
	return ping(t, 3)
}

// A cancel through a method value kept in a field: the call shows no
// receiver.

type terminal struct {
	cancel func(reason string)
}

func newTerminal(d *deferred.Deferred[int]) terminal { return terminal{cancel: d.CancelWithReason} }

//cancelcheck:cancellable
func OnCancelTerminal(t *deferred.Task, d *deferred.Deferred[int]) (int, error) {
	newTerminal(d).cancel("done")
	return 0, nil
}

// Goroutines in shapes the logging-context check must get through: a go
// of a method value, through an interface, of a closure chosen on a
// branch, of a closure that captures a captured logger.

type runner interface{ run() }

type job struct{ name string }

func (j job) run() {}

//cancelcheck:cancellable
func OnGoShapes(t *deferred.Task, r runner, pick bool) (int, error) {
	lc := logcontext.Current(t)
	go job{name: "a"}.run()
	go r.run()
	f := func() {}
	if pick {
		f = func() { _ = lc }
	}
	go f()
	func() {
		go func() { _ = lc.Name() }()
	}()
	return 0, nil
}
