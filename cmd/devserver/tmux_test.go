//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestTheTerminalInTmux runs devserver as a person does, in a terminal
// (tmux), colours and keys on: what the screen shows after the banner is
// one aligned format, whoever wrote the line — devserver, the request log,
// the app — and h shows the help.
func TestTheTerminalInTmux(t *testing.T) {
	t.Parallel()
	needBinary(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: cannot test the terminal as a person sees it")
	}
	dir, pidfile := reloadProject(t, "serve")
	socket := filepath.Join(t.TempDir(), "tmux")
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-S", socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	shell := fmt.Sprintf("cd %s && env -i PATH=%s HOME=%s TERM=xterm-256color %s 127.0.0.1:0; sleep 60",
		strconv.Quote(dir), strconv.Quote(os.Getenv("PATH")), strconv.Quote(t.TempDir()), strconv.Quote(binary))
	tmux("new-session", "-d", "-x", "150", "-y", "50", "-s", "devserver", shell)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", socket, "kill-server").Run() })
	screen := func() string { return tmux("capture-pane", "-p", "-t", "devserver") }
	coloured := func() string { return tmux("capture-pane", "-p", "-e", "-t", "devserver") }
	testkit.WaitFor(t, 30*time.Second, "the banner", func() bool { return strings.Contains(screen(), "press h for help") })
	url := regexp.MustCompile(`Local:\s+(\S+)`).FindStringSubmatch(screen())[1]
	testkit.Get(t, url)
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main // changed\n")
	testkit.WaitFor(t, 30*time.Second, "the restart", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	testkit.Get(t, url)
	tmux("send-keys", "-t", "devserver", "h")
	testkit.WaitFor(t, 10*time.Second, "the help", func() bool { return strings.Contains(screen(), "press c to clear the screen") })

	_, after, _ := strings.Cut(screen(), "press h for help, r to restart, o to open the browser, q to quit\n")
	log, _, _ := strings.Cut(after, "\n  Shortcuts")
	line := regexp.MustCompile(`^\d\d:\d\d:\d\d (devserver |app       |http      ) \S`)
	var n int
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		if l == "" {
			continue
		}
		n++
		if !line.MatchString(l) {
			t.Errorf("a line out of the format: %q", l)
		}
	}
	if n < 6 {
		t.Errorf("%d lines on the screen after the banner, want the starts, the requests and the change:\n%s", n, screen())
	}
	if !strings.Contains(coloured(), "\x1b[") {
		t.Error("no colours on a terminal")
	}
	if t.Failed() {
		t.Logf("the screen:\n%s", screen())
	}
}
