package heap

import "github.com/cancelcheck/cancelcheck/deferred"

// One Observe() cached and handed to every caller is a shared Deferred:
// the Observable gives each Observe() its own Deferred, but here every
// caller gets the same one.

type Feed struct {
	src     *deferred.Observable[string]
	current *deferred.Deferred[string]
	views   map[string]*deferred.Deferred[string]
}

func (f *Feed) next() *deferred.Deferred[string] {
	if f.current == nil {
		f.current = f.src.Observe()
	}
	return f.current // want `shared Deferred handed to cancellable code: loaded from field f\.current; .*\(call path: Feed\.OnNext → Feed\.next\)`
}

//cancelcheck:cancellable
func (f *Feed) OnNext(t *deferred.Task) (string, error) {
	return deferred.Await(t, f.next())
}

func (f *Feed) view(name string) *deferred.Deferred[string] {
	if d, ok := f.views[name]; ok {
		return d // want `shared Deferred handed to cancellable code: loaded from map f\.views; .*\(call path: Feed\.OnView → Feed\.view\)`
	}
	d := f.src.Observe()
	f.views[name] = d
	return d // want `shared Deferred handed to cancellable code: stored in map f\.views; .*\(call path: Feed\.OnView → Feed\.view\)`
}

//cancelcheck:cancellable
func (f *Feed) OnView(t *deferred.Task, name string) (string, error) {
	return deferred.Await(t, f.view(name))
}

// Good: the Observable is cached, each caller observes it.

func (f *Feed) nextOwn() *deferred.Deferred[string] {
	return f.src.Observe()
}

//cancelcheck:cancellable
func (f *Feed) OnNextOwn(t *deferred.Task) (string, error) {
	return deferred.Await(t, f.nextOwn())
}
