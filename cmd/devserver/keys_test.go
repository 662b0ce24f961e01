//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestKeysOnATerminal runs devserver with a terminal (a pseudo-terminal)
// as its input, as a person does: --open opens the browser once it serves,
// each shortcut key works as it is pressed, q quits, and the terminal is
// put back as it was.
func TestKeysOnATerminal(t *testing.T) {
	t.Parallel()
	needBinary(t)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	before, err := unix.IoctlGetTermios(int(tty.Fd()), getTermios)
	if err != nil {
		t.Fatal(err)
	}
	dir, pidfile := reloadProject(t, "serve")
	opened := filepath.Join(t.TempDir(), "opened")
	browser := filepath.Join(t.TempDir(), "browser")
	testkit.WriteFile(t, browser, "#!/bin/sh\necho \"$1\" >> "+opened+"\n")
	if err := os.Chmod(browser, 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := testkit.Start(testkit.Run{Binary: binary, Dir: dir, Env: []string{"HOME=" + t.TempDir(), "BROWSER=" + browser}, Args: []string{"--open"}, Stdin: tty})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	if !strings.Contains(d.Stdout.String(), "press h for help") {
		t.Errorf("the banner does not offer the keys:\n%s", d.Stdout)
	}
	browsed := func(n int) bool {
		b, _ := os.ReadFile(opened)
		return strings.Count(string(b), d.URL+"\n") == n
	}
	testkit.WaitFor(t, 10*time.Second, "--open to open the browser", func() bool { return browsed(1) })
	pidServing(t, d.URL)
	press := func(key, what string, done func() bool) {
		t.Helper()
		if _, err := ptmx.Write([]byte(key)); err != nil {
			t.Fatal(err)
		}
		testkit.WaitFor(t, 20*time.Second, what, done)
	}
	press("h", "the help", func() bool { return strings.Contains(d.Stdout.String(), "press o to open it in the browser") })
	press("r", "a restart", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	press("o", "the browser", func() bool { return browsed(2) })
	press("u", "the URLs again", func() bool { return strings.Count(d.Stdout.String(), "Local:") == 2 })
	press("q", "devserver to quit", func() bool {
		select {
		case <-d.Done:
			return true
		default:
			return false
		}
	})
	if code := d.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("q: exit code %d, want 0", code)
	}
	for _, p := range testkit.Pids(t, pidfile) {
		if testkit.Alive(p) {
			t.Errorf("pid %d outlived devserver", p)
		}
	}
	after, err := unix.IoctlGetTermios(int(tty.Fd()), getTermios)
	if err != nil {
		t.Fatal(err)
	}
	if after.Lflag != before.Lflag {
		t.Errorf("the terminal was left with flags %#x, was %#x", after.Lflag, before.Lflag)
	}
}
