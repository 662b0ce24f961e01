//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/lockedbuf"
	"github.com/devserver/devserver/server"
)

// wildcardOnLoopback listens as server.Listen does, except that the
// wildcard address becomes 127.0.0.1: tests may bind loopback only, and on
// one address the old and the new listener conflict exactly as
// 127.0.0.1:P and 0.0.0.0:P do on Linux.
func wildcardOnLoopback(ctx context.Context, lc server.ListenConfig) (net.Listener, error) {
	if lc.Addr == "0.0.0.0" {
		lc.Addr = "127.0.0.1"
	}
	return server.Listen(ctx, lc)
}

// rebindRunner is the run loop in this process, serving a static project on
// a fixed free port with the given listen function.
func rebindRunner(t *testing.T, listen func(context.Context, server.ListenConfig) (net.Listener, error)) (r *runner, load func(addr string) *config.Loaded, url string) {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("still serving"), 0o644)
	load = func(addr string) *config.Loaded {
		t.Helper()
		cfg := fmt.Sprintf("addr: %s\nport: %d\nwatch: {enabled: false}\n", addr, port)
		if err := os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := config.Load(config.Options{Dir: dir, Environ: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	log := &lockedbuf.Buffer{}
	r = &runner{env: runEnv{Dir: dir, Stdout: log, Stderr: log}, log: slog.New(slog.NewTextHandler(log, nil)),
		live: server.NewLiveReload(), listen: listen}
	if err := r.apply(context.Background(), load("127.0.0.1"), true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.stopAll()
		if t.Failed() {
			t.Logf("log:\n%s", log)
		}
	})
	return r, load, fmt.Sprintf("http://127.0.0.1:%d/", port)
}

func mustServe(t *testing.T, url string) {
	t.Helper()
	if status, body := httpGet(t, url); status != http.StatusOK || body != "still serving" {
		t.Fatalf("GET %s: %d %q", url, status, body)
	}
}

// TestRebindOnTheSamePort is CFG-03 for the switch the lan profile makes
// live, 127.0.0.1:P → 0.0.0.0:P, where the new listener cannot be opened
// beside the old one: the old one goes first; if the new address cannot be
// had after all, the old one comes back and the old config keeps serving;
// if even that fails, the next config change binds again.
func TestRebindOnTheSamePort(t *testing.T) {
	t.Run("switch", func(t *testing.T) {
		r, load, url := rebindRunner(t, wildcardOnLoopback)
		mustServe(t, url)
		if err := r.apply(context.Background(), load("0.0.0.0"), false); err != nil {
			t.Fatalf("apply: %v", err)
		}
		if r.loaded.Config.Addr != "0.0.0.0" {
			t.Errorf("addr %s after the switch", r.loaded.Config.Addr)
		}
		mustServe(t, url)
	})
	t.Run("rollback", func(t *testing.T) {
		taken := func(ctx context.Context, lc server.ListenConfig) (net.Listener, error) {
			if lc.Addr == "0.0.0.0" {
				return nil, fmt.Errorf("port %d is taken: %w", lc.Port, syscall.EADDRINUSE)
			}
			return server.Listen(ctx, lc)
		}
		r, load, url := rebindRunner(t, taken)
		err := r.apply(context.Background(), load("0.0.0.0"), false)
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("apply: %v, want the port in use", err)
		}
		if r.loaded.Config.Addr != "127.0.0.1" {
			t.Errorf("addr %s: the failed config was applied", r.loaded.Config.Addr)
		}
		mustServe(t, url)
	})
	t.Run("old address lost, then found", func(t *testing.T) {
		broken := false
		listen := func(ctx context.Context, lc server.ListenConfig) (net.Listener, error) {
			if broken {
				return nil, fmt.Errorf("port %d is taken: %w", lc.Port, syscall.EADDRINUSE)
			}
			return wildcardOnLoopback(ctx, lc)
		}
		r, load, url := rebindRunner(t, listen)
		broken = true
		err := r.apply(context.Background(), load("0.0.0.0"), false)
		if err == nil || !strings.Contains(err.Error(), "the old address is lost too") {
			t.Fatalf("apply: %v", err)
		}
		broken = false
		if err := r.apply(context.Background(), load("127.0.0.1"), true); err != nil {
			t.Fatalf("apply after: %v", err)
		}
		mustServe(t, url)
	})
}
