// Command go-web is the Go recipe: devserver builds it, runs it on $PORT and
// restarts it when a .go file or a template changes.
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
		fmt.Fprintf(w, "Go says hello (APP_ENV=%s)\n", os.Getenv("APP_ENV"))
	})
	addr := "127.0.0.1:" + os.Getenv("PORT")
	if err := http.ListenAndServe(addr, mux); err != nil {
		slog.Error("go-web stopped", "err", err)
		os.Exit(1)
	}
}
