package logcontext_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/deferred/logcontext"
)

// exampleLogger makes slog.Default() print records without their time, so
// that the examples' output is stable.
func exampleLogger() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})))
}

// A request runs in a logging context of its own: every record its code
// writes carries the request's name.
func ExampleRun() {
	exampleLogger()
	room := deferred.New[string](nil)
	request := logcontext.Run("GET-/rooms-1", func(t *deferred.Task) (string, error) {
		log := logcontext.Logger(t)
		log.Info("loading room")
		name, err := deferred.Await(t, room)
		if err != nil {
			return "", err
		}
		log.Info("loaded", "room", name)
		return name, nil
	})
	room.Callback("!abc:example.org")
	name, _, _ := request.Result()
	fmt.Println(name)
	// Output:
	// level=INFO msg="loading room" request=GET-/rooms-1
	// level=INFO msg=loaded request=GET-/rooms-1 room=!abc:example.org
	// !abc:example.org
}

// Work started with RunInBackground inherits the request's context; the
// request awaits it, so that a cancellation of the request reaches it and
// the request does not finish before it.
func ExampleRunInBackground() {
	exampleLogger()
	fetched := deferred.New[int](nil)
	request := logcontext.Run("sync-7", func(t *deferred.Task) (int, error) {
		count := logcontext.RunInBackground(t, func(t *deferred.Task) (int, error) {
			logcontext.Logger(t).Info("counting", "in", logcontext.Current(t).Name())
			return deferred.Await(t, fetched)
		})
		return deferred.Await(t, count)
	})
	fetched.Callback(3)
	n, err, _ := request.Result()
	fmt.Println(n, err)
	// Output:
	// level=INFO msg=counting request=sync-7 in=sync-7-bg1
	// 3 <nil>
}

// Work that must outlive the request gets a context of its own with
// RunAsBackgroundProcess: the request's cancellation does not reach it, and
// its records are not the request's.
func ExampleRunAsBackgroundProcess() {
	exampleLogger()
	indexed := deferred.New[struct{}](nil)
	request := logcontext.Run("send-9", func(t *deferred.Task) (struct{}, error) {
		logcontext.RunAsBackgroundProcess("index-room", func(t *deferred.Task) (struct{}, error) {
			if _, err := deferred.Await(t, indexed); err != nil {
				return struct{}{}, err
			}
			logcontext.Logger(t).Info("indexed")
			return struct{}{}, nil
		})
		return struct{}{}, nil
	})
	request.Cancel() // the request has ended: nothing to cancel
	indexed.Callback(struct{}{})
	// Output:
	// level=INFO msg=indexed request=index-room
}

// Background work that outlives a cancelled request uses its finished
// context: the misuse hook and a warning report it.
func ExampleSetMisuseHook() {
	exampleLogger()
	previous := logcontext.SetMisuseHook(func(m logcontext.Misuse) {
		fmt.Println(m)
	})
	defer logcontext.SetMisuseHook(previous)
	work := deferred.New[struct{}](nil)
	request := logcontext.Run("request-1", func(t *deferred.Task) (struct{}, error) {
		logcontext.RunInBackground(t, func(t *deferred.Task) (struct{}, error) {
			if _, err := deferred.Await(t, work); err != nil {
				return struct{}{}, err
			}
			logcontext.Logger(t).Info("done!")
			return struct{}{}, nil
		})
		// Not awaited: the request can end before the work does.
		_, err := deferred.Await(t, deferred.New[struct{}](nil))
		return struct{}{}, err
	})
	request.Cancel()
	work.Callback(struct{}{})
	// Output:
	// level=WARN msg="Re-starting finished log context" context=request-1 used_by=request-1-bg1 use=logged
	// Re-starting finished log context request-1 (used by request-1-bg1): logged after it finished
	// level=INFO msg=done! request=request-1
}
