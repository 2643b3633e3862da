package rooms

import (
	"errors"

	"github.com/cancelcheck/cancelcheck/deferred"
)

// A package-level Deferred: every request that waits for startup waits on
// the same one, and the first cancelled request fails it for all.

var startup = deferred.New[none](nil)

func waitForStartup() *deferred.Deferred[none] {
	return startup // want `shared Deferred handed to cancellable code: package variable startup; .*\(call path: OnStatus → waitForStartup\)`
}

//cancelcheck:cancellable
func OnStatus(t *deferred.Task) (int, error) {
	if _, err := deferred.Await(t, waitForStartup()); err != nil {
		return 0, err
	}
	return 200, nil
}

// Stored, then handed out: the first caller gets the Deferred it has just
// stored, later callers join it through joinLoad; a cancel by the first
// caller fails the load for every joiner.

var loads = map[string]*deferred.Deferred[string]{}

func startLoad(key string) *deferred.Deferred[string] {
	d := deferred.New[string](nil)
	loads[key] = d
	return d // want `shared Deferred handed to cancellable code: stored in map loads; .*\(call path: OnLoad → startLoad\)`
}

func joinLoad(key string) *deferred.Deferred[string] {
	return loads[key] // want `shared Deferred handed to cancellable code: loaded from map loads; .*\(call path: OnLoad → joinLoad\)`
}

//cancelcheck:cancellable
func OnLoad(t *deferred.Task) (string, error) {
	d := joinLoad("k")
	if d == nil {
		d = startLoad("k")
	}
	return deferred.Await(t, d)
}

// Awaited directly by cancellable code: reported at the Await, where the
// shield goes.

var sessions = map[string]*deferred.Deferred[string]{}

//cancelcheck:cancellable
func OnSession(t *deferred.Task) (string, error) {
	d, ok := sessions["s"]
	if !ok {
		return "", errors.New("no session")
	}
	return deferred.Await(t, d) // want `shared Deferred awaited by cancellable code: loaded from map sessions; .*\(call path: OnSession\)`
}

// Two and three calls below the entry point: an async function awaits the
// loader; a loader hands on another loader's Deferred.

var profiles = map[string]*deferred.Deferred[string]{}

func lookupProfile(user string) *deferred.Deferred[string] {
	return profiles[user] // want `shared Deferred handed to cancellable code: loaded from map profiles; .*\(call path: OnProfile → loadProfile → getProfile → lookupProfile\)`
}

func getProfile(user string) *deferred.Deferred[string] {
	return lookupProfile(user)
}

func loadProfile(t *deferred.Task, user string) (string, error) {
	return deferred.Await(t, getProfile(user))
}

//cancelcheck:cancellable
func OnProfile(t *deferred.Task) (string, error) {
	return loadProfile(t, "@alice:matrix.org")
}

// Then on a shared Deferred: cancelling the Then cancels the shared one.

var avatars = map[string]*deferred.Deferred[string]{}

func avatarOf(user string) *deferred.Deferred[string] {
	return avatars[user] // want `shared Deferred handed to cancellable code: loaded from map avatars; .*\(call path: OnAvatar → avatarOf\)`
}

//cancelcheck:cancellable
func OnAvatar(t *deferred.Task) (int, error) {
	return deferred.Await(t, deferred.Then(avatarOf("@bob:matrix.org"), func(url string) (int, error) {
		return len(url), nil
	}))
}

// Good: the caller shields the shared Deferred itself.

var names = map[string]*deferred.Deferred[string]{}

func nameOf(user string) *deferred.Deferred[string] {
	return names[user]
}

//cancelcheck:cancellable
func OnName(t *deferred.Task) (string, error) {
	return deferred.Await(t, deferred.StopCancellation(nameOf("@carol:matrix.org")))
}

// Good: a Deferred created fresh in a function and returned once.

func fetch(key string) *deferred.Deferred[string] {
	d := deferred.New[string](nil)
	go func() { d.Callback(key) }()
	return d
}

// Good: a field of a value created in the same call.

type call struct {
	key  string
	done *deferred.Deferred[string]
}

//cancelcheck:cancellable
func OnFetch(t *deferred.Task) (string, error) {
	c := &call{key: "k", done: fetch("k")}
	return deferred.Await(t, c.done)
}

// Good: the resolver side of per-request Deferreds kept in a map by request
// id (each id is one caller's): the map is only read to fire them.

var replies = map[int]*deferred.Deferred[string]{}

func send(id int) *deferred.Deferred[string] {
	d := deferred.New[string](nil)
	replies[id] = d
	return d
}

func reply(id int, body string) {
	if d, ok := replies[id]; ok {
		delete(replies, id)
		d.Callback(body)
	}
}

//cancelcheck:cancellable
func OnRPC(t *deferred.Task) (string, error) {
	reply(0, "")
	return deferred.Await(t, send(1))
}

// Not reached from an entry point: silent (found with -all).

var drafts = map[string]*deferred.Deferred[string]{}

func draftOf(user string) *deferred.Deferred[string] {
	return drafts[user]
}

func loadDraft(t *deferred.Task) (string, error) {
	return deferred.Await(t, draftOf("@dave:matrix.org"))
}
