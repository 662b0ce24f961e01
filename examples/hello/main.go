// Command hello is the example app devserver runs from the repo's own
// devserver.yaml: it listens on $PORT and greets with $GREETING.
package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	greeting := os.Getenv("GREETING")
	if greeting == "" {
		greeting = "hello"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>hello</title><link rel=stylesheet href=/static/site.css><h1>%s</h1><p>pid %d</p>\n", greeting, os.Getpid())
	})
	addr := "127.0.0.1:" + port
	slog.Info("hello listening", "addr", addr)
	if err := http.ListenAndServe(addr, mux); err != nil {
		slog.Error("hello stopped", "err", err)
		os.Exit(1)
	}
}
