//go:build unix

package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestAHostileDotenvStillStarts: a .env that doubles a variable on every
// line, holds a NUL and leaves a quote open costs devserver its bounds, not
// its memory; each bad line is named FILE:LINE once, and the app starts
// with every good variable.
func TestAHostileDotenvStillStarts(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestAppOutputCannotDriveTheTerminal: what an app prints (often request
// data, raw) reaches devserver's terminal with its colours, but without
// clipboard writes, titles or screen clearing; a last line without a
// newline is ended when the app exits, not glued to the next run's first.
func TestAppOutputCannotDriveTheTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// YAML's escapes: the command holds the raw bytes, as a hostile file's
	// would, and the banner shows it.
	run := `printf 'run\e]52;c;ZXZpbA==\a\e]0;owned\a\e[2J\e[H\e[31mred\e[0m\nno newline'; exit 1`
	testkit.WriteTree(t, dir, map[string]string{
		"devserver.yaml": "port: 0\napp:\n  run: \"" + run + "\"\n" + watched,
		"src/main.go":    "package main\n",
	})
	d := startDevserver(t, dir, nil)
	testkit.WaitFor(t, 20*time.Second, "the app's first exit", func() bool { return strings.Contains(d.Stdout.String(), "no newline") })
	testkit.WaitFor(t, 20*time.Second, "the failure", func() bool { return strings.Contains(d.Stderr.String(), `msg="app exited before it was ready"`) })
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main // changed\n")
	testkit.WaitFor(t, 20*time.Second, "the second run", func() bool { return strings.Count(d.Stdout.String(), "no newline") == 2 })
	testkit.WaitFor(t, 20*time.Second, "its end", func() bool { return strings.Count(d.Stderr.String(), `msg="app exited before it was ready"`) == 2 })
	// The banner, and the app's output around it: its first run may print
	// before the banner does.
	all := d.Stdout.String()
	from, to := strings.Index(all, "  devserver "), strings.Index(all, "CONTROL-C.\n")+len("CONTROL-C.\n")
	if from < 0 || to < from {
		t.Fatalf("no banner:\n%q", all)
	}
	banner, out := all[from:to], all[:from]+all[to:]
	if strings.ContainsRune(banner, 0x1b) || !strings.Contains(banner, `printf 'run\x1b]52;c;ZXZpbA==\a`) {
		t.Errorf("the banner shows the command raw:\n%q", banner)
	}
	for _, bad := range []string{"]52;", "]0;", "\x1b[2J", "\x1b[H", "no newlinerun"} {
		if strings.Contains(out, bad) {
			t.Errorf("the terminal got %q:\n%q", bad, out)
		}
	}
	if strings.Count(out, "run\x1b[31mred\x1b[0m\nno newline\n") != 2 {
		t.Errorf("want the colours kept and each run's last line ended:\n%q", out)
	}
}

// TestWhatAFileSaysIsPrintedEscaped: a process name with an escape
// sequence in the config (validate's error), values and descriptions with
// one (config, config --explain, profiles) or a Procfile command with one
// (init's summary) reach the terminal as text.
func TestWhatAFileSaysIsPrintedEscaped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testkit.WriteFile(t, filepath.Join(dir, "devserver.yaml"), "processes:\n  \"w\\e]0;owned\\a\\e[31m\": sleep 1\n")
	out, stderr, code := runIn(t, dir, nil, "validate")
	if code == 0 || strings.ContainsRune(out+stderr, 0x1b) || !strings.Contains(stderr, `processes.w\x1b]0;owned\a\x1b[31m`) {
		t.Errorf("validate: exit %d\n%q\n%q", code, out, stderr)
	}
	dir = t.TempDir()
	testkit.WriteFile(t, filepath.Join(dir, "devserver.yaml"), "app:\n  run: \"echo \\e]0;x\\a hi\"\nprofiles:\n  l: {description: \"d\\e[2J\"}\n")
	for _, args := range [][]string{{"config", "--explain"}, {"profiles"}, {"config"}} {
		out, stderr, code := runIn(t, dir, nil, args...)
		if code != 0 || strings.ContainsRune(out+stderr, 0x1b) || strings.ContainsRune(out+stderr, 0x07) {
			t.Errorf("%v: exit %d\n%q\n%q", args, code, out, stderr)
		}
	}
	dir = t.TempDir()
	testkit.WriteFile(t, filepath.Join(dir, "Procfile"), "web: echo \x1b]52;c;ZXZpbA==\x07 hi\n")
	out, stderr, code = runIn(t, dir, nil, "init")
	if code != 0 || strings.ContainsRune(out+stderr, 0x1b) || !strings.Contains(out, `echo \x1b]52;c;ZXZpbA==\a hi`) {
		t.Errorf("init: exit %d\n%q\n%q", code, out, stderr)
	}
}
