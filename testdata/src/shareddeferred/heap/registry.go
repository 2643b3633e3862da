package heap

import (
	"sync"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// A sync.Map whose values are structs holding the Deferred.

type pending struct {
	reply *deferred.Deferred[string]
}

type Calls struct {
	inflight sync.Map // string → *pending
}

func (c *Calls) join(id string) *deferred.Deferred[string] {
	v, _ := c.inflight.LoadOrStore(id, &pending{reply: deferred.New[string](nil)})
	p := v.(*pending)
	return p.reply // want `shared Deferred handed to cancellable code: loaded from field c\.inflight\[…\]\.reply; .*\(call path: Calls\.OnCall → Calls\.join\)`
}

//cancelcheck:cancellable
func (c *Calls) OnCall(t *deferred.Task, id string) (string, error) {
	return deferred.Await(t, c.join(id))
}

// Good: shielded by the caller.

//cancelcheck:cancellable
func (c *Calls) OnCallShielded(t *deferred.Task, id string) (string, error) {
	return deferred.Await(t, deferred.DelayCancellation(c.join(id)))
}

// A package variable that is a struct, its Deferred a field; read in an
// async function that awaits it.

var warmup struct {
	sync.Once
	done *deferred.Deferred[int]
}

func warm(t *deferred.Task) (int, error) {
	warmup.Do(func() { warmup.done = deferred.New[int](nil) })
	return deferred.Await(t, warmup.done) // want `shared Deferred awaited by cancellable code: loaded from field warmup\.done; .*\(call path: OnWarm → warm\)`
}

//cancelcheck:cancellable
func OnWarm(t *deferred.Task) (int, error) {
	return warm(t)
}

// Good: the same, each request waiting through its own shield.

var warmupSafe struct {
	sync.Once
	done *deferred.Deferred[int]
}

//cancelcheck:cancellable
func OnWarmSafe(t *deferred.Task) (int, error) {
	warmupSafe.Do(func() { warmupSafe.done = deferred.New[int](nil) })
	return deferred.Await(t, deferred.StopCancellation(warmupSafe.done))
}

// A field cached lazily on a long-lived value held in a package variable,
// under a mutex, read into a local variable first.

type Config struct {
	mu     sync.Mutex
	loaded *deferred.Deferred[map[string]string]
}

var config = &Config{}

func (c *Config) load() *deferred.Deferred[map[string]string] {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.loaded
	if d == nil {
		d = deferred.New[map[string]string](nil)
		c.loaded = d
	}
	return d // want `shared Deferred handed to cancellable code: loaded from field c\.loaded; .*\(call path: OnConfig → Config\.load\)`
}

//cancelcheck:cancellable
func OnConfig(t *deferred.Task) (int, error) {
	m, err := deferred.Await(t, config.load())
	return len(m), err
}

// Good: a Config made for this request only.

//cancelcheck:cancellable
func OnOwnConfig(t *deferred.Task) (int, error) {
	c := new(Config)
	m, err := deferred.Await(t, c.load())
	return len(m), err
}
