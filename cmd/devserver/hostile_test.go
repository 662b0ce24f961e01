//go:build unix

package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testkit"
)

// TestAHostileDotenvStillStarts: a .env that doubles a variable on every
// line, holds a NUL and leaves a quote open costs devserver its bounds, not
// its memory; each bad line is named FILE:LINE once, and the app starts
// with every good variable.
func TestAHostileDotenvStillStarts(t *testing.T) {
	dir, _ := project(t, "serve", "")
	var b strings.Builder
	b.WriteString("GOOD=kept\nA0=0123456789abcdef\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "A%d=${A%d}${A%d}\n", i, i-1, i-1)
	}
	b.WriteString("NUL=a\x00b\nOPEN=\"never closed\nLAST=also kept\n")
	testkit.WriteFile(t, filepath.Join(dir, ".env"), b.String())
	d := startDevserver(t, dir, nil)
	for name, want := range map[string]string{"GOOD": "kept", "LAST": "also kept", "A3": strings.Repeat("0123456789abcdef", 8), "A12": strings.Repeat("0123456789abcdef", 4096), "NUL": ""} {
		if _, got := testkit.Get(t, d.URL+"env?name="+name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	log := d.Stderr.String()
	for _, want := range []string{"env_file .env:15: A13: the value is over 64 KiB once expanded", "env_file .env:43: NUL: the value holds a NUL byte", "env_file .env:44: OPEN: no closing"} {
		if strings.Count(log, want) != 1 {
			t.Errorf("the log should say once %q:\n%s", want, log)
		}
	}
}

// TestIdleConnectionsDoNotHoldAStop: an app that exits on SIGTERM only once
// every connection has closed (Python's ThreadingHTTPServer, Node < 19's
// server.close()) is not kept alive by the proxy's own idle keep-alive
// connections: a restart and Ctrl+C stop it with SIGTERM, well inside
// stop_timeout, instead of killing it when that runs out.
func TestIdleConnectionsDoNotHoldAStop(t *testing.T) {
	dir, pidfile := project(t, "drain", watched)
	replaceIn(t, filepath.Join(dir, "devserver.yaml"), "stop_timeout: 1s", "stop_timeout: 10s")
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main\n")
	d := startDevserver(t, dir, nil)
	for range 3 {
		pidServing(t, d.URL) // leaves a pooled connection to the app
	}
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main // changed\n")
	testkit.WaitFor(t, 20*time.Second, "the first app stopped", func() bool { return strings.Contains(d.Stderr.String(), `msg="app stopped"`) })
	testkit.WaitFor(t, 20*time.Second, "the second app", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	pidServing(t, d.URL)
	if code := interrupt(t, d); code != 0 {
		t.Errorf("exit %d", code)
	}
	log := d.Stderr.String()
	if n := strings.Count(log, `msg="app stopped"`); n != 2 || strings.Contains(log, "SIGKILL") || strings.Contains(log, "did not exit") {
		t.Errorf("want both apps stopped by SIGTERM, none killed:\n%s", log)
	}
}
