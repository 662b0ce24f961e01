package session_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/devserver/devserver/internal/testrig/testkit"
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

// staticOnOwnPort runs a session serving a static project on a port of
// its own: a listener on 127.0.0.1:0, handed to the session's first bind;
// later binds go to listen.
func staticOnOwnPort(t *testing.T, listen listenFunc) (r *running, save func(addr, comment string), url string) {
	t.Helper()
	dir := t.TempDir()
	ln := testkit.Listen(t)
	port := ln.Addr().(*net.TCPAddr).Port
	var handed atomic.Bool
	first := func(ctx context.Context, lc server.ListenConfig) (net.Listener, error) {
		if lc.Addr == "127.0.0.1" && lc.Port == port && handed.CompareAndSwap(false, true) {
			return ln, nil
		}
		return listen(ctx, lc)
	}
	config := func(addr, comment string) string {
		return fmt.Sprintf("# %s\naddr: %s\nport: %d\nwatch: {enabled: false, interval: 20ms}\n", comment, addr, port)
	}
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("still serving"), 0o644)
	os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(config("127.0.0.1", "start")), 0o644)
	r = run(t, dir, first)
	return r, func(addr, comment string) { r.save(t, config(addr, comment)) }, fmt.Sprintf("http://127.0.0.1:%d/", port)
}

func mustServe(t *testing.T, url string) {
	t.Helper()
	if status, body := testkit.Get(t, url); status != http.StatusOK || body != "still serving" {
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
		r, save, url := staticOnOwnPort(t, wildcardOnLoopback)
		mustServe(t, url)
		save("0.0.0.0", "lan")
		r.waitLog(t, "listening on a new address", 1)
		r.waitLog(t, "addr: 127.0.0.1 → 0.0.0.0", 1)
		mustServe(t, url)
	})
	t.Run("rollback", func(t *testing.T) {
		taken := func(ctx context.Context, lc server.ListenConfig) (net.Listener, error) {
			if lc.Addr == "0.0.0.0" {
				return nil, fmt.Errorf("port %d is taken: %w", lc.Port, syscall.EADDRINUSE)
			}
			return server.Listen(ctx, lc)
		}
		r, save, url := staticOnOwnPort(t, taken)
		save("0.0.0.0", "lan")
		r.waitLog(t, "config not applied; still running with the last good one", 1)
		r.waitLog(t, "is taken: address already in use", 1)
		if r.countLog("config applied") != 0 {
			t.Errorf("the failed config was applied")
		}
		mustServe(t, url)
	})
	t.Run("old address lost, then found", func(t *testing.T) {
		var broken atomic.Bool
		listen := func(ctx context.Context, lc server.ListenConfig) (net.Listener, error) {
			if broken.Load() {
				return nil, fmt.Errorf("port %d is taken: %w", lc.Port, syscall.EADDRINUSE)
			}
			return wildcardOnLoopback(ctx, lc)
		}
		r, save, url := staticOnOwnPort(t, listen)
		broken.Store(true)
		save("0.0.0.0", "lan")
		r.waitLog(t, "the old address is lost too", 1)
		broken.Store(false)
		save("127.0.0.1", "back, the same address as in force")
		r.waitLog(t, "listening on a new address", 1)
		mustServe(t, url)
	})
}
