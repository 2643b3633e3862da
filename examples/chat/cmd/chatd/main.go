// Command chatd serves the example chat service over HTTP, on real time:
// its store answers after -latency, so that a client that gives up sooner
// (curl --max-time) disconnects while its request waits, and the request
// is cancelled.
//
//	go run ./examples/chat/cmd/chatd -addr localhost:8080
//	curl 'localhost:8080/rooms/!lobby'
//	curl 'localhost:8080/rooms/!lobby/members'
//	curl 'localhost:8080/rooms/!lobby/messages?since=1'
//	curl 'localhost:8080/rooms/!lobby/search?q=hello'
//	curl -d '{"sender": "@bob", "body": "hello again"}' 'localhost:8080/rooms/!lobby/messages'
//	curl --max-time 0.1 'localhost:8080/rooms/!lobby/members'   # cancelled: logged with status 499
//
// With -bad, it also serves the versions with cancellation hazards under
// /bad/ (see package server and docs/tutorial.md).
package main

import (
	"flag"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/cancelcheck/cancelcheck/deferred"
	"github.com/cancelcheck/cancelcheck/examples/chat/rooms"
	"github.com/cancelcheck/cancelcheck/examples/chat/server"
	"github.com/cancelcheck/cancelcheck/examples/chat/store"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "address to listen on")
	latency := flag.Duration("latency", 500*time.Millisecond, "how long each store operation takes")
	bad := flag.Bool("bad", false, "also serve the handlers with cancellation hazards, under /bad/")
	flag.Parse()

	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	srv := server.New(rooms.New(store.Demo(deferred.RealClock{}, *latency)))
	mux := http.NewServeMux()
	srv.Routes(mux)
	if *bad {
		srv.BadRoutes(mux)
	}
	slog.Info("serving the chat example", "addr", *addr, "latency", *latency, "bad", *bad)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
