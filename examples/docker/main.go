// Command app is the Docker and VM recipe's app: devserver builds it, runs
// it on $PORT inside the container or VM, and restarts it when a .go file
// changes on the host.
package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>shared folder</title><link rel=stylesheet href=/static/site.css>"+
			"<h1>Served from a shared folder (APP_ENV=%s)</h1>\n", os.Getenv("APP_ENV"))
	})
	// The app listens on loopback inside the container or VM: devserver,
	// beside it, is what the host reaches.
	addr := "127.0.0.1:" + os.Getenv("PORT")
	if err := http.ListenAndServe(addr, mux); err != nil {
		slog.Error("app stopped", "err", err)
		os.Exit(1)
	}
}
