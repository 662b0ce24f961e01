//go:build unix

package reload

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestReadyLogAndCommand: a unit without HTTP is ready once a line of its
// output matches ready_log (colours left out), or once ready_command exits
// 0; not before, and one whose line never comes fails at ready_timeout,
// saying what it waited for.
func TestReadyLogAndCommand(t *testing.T) {
	t.Parallel() // seconds of waiting: beside the others
	dir := t.TempDir()
	compiled, up := filepath.Join(dir, "compiled"), filepath.Join(dir, "up")
	for _, c := range []struct {
		name, run, flag string
		ready           Readiness
	}{
		{"ready_log", `echo compiling; while [ ! -f "` + compiled + `" ]; do sleep 0.02; done; printf '\033[32mcompiled successfully\033[0m\n'; sleep 60`,
			compiled, Readiness{Log: regexp.MustCompile(`^compiled successfully$`)}},
		{"ready_command", `sleep 60`, up, Readiness{Command: `test -f "` + up + `"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, "", func(o *Options) {
				o.Run, o.NoHTTP, o.Ready, o.ReadyTimeout = c.run, true, c.ready, 30*time.Second
			})
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if _, _, err := h.sup.Ready(ctx); err == nil {
				t.Fatal("ready before its check passed")
			}
			testkit.WriteFile(t, c.flag, "")
			ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel2()
			if _, release, err := h.sup.Ready(ctx2); err != nil {
				t.Fatalf("not ready after its check passed: %v", err)
			} else {
				release()
			}
		})
	}
	never := start(t, "", func(o *Options) {
		o.Run, o.NoHTTP, o.ReadyTimeout = "sleep 60", true, 300*time.Millisecond
		o.Ready = Readiness{Log: regexp.MustCompile("never printed")}
	})
	if f := never.failure(t); !strings.Contains(f.Title(), "app did not become ready") || !strings.Contains(f.Status, `matched ready_log "never printed" within ready_timeout`) {
		t.Errorf("failure %q", f.Title())
	}
}

// TestTheAppKeepsAnOpenStdin: a tool that stops when its stdin closes
// (tailwindcss --watch, esbuild --watch) keeps running: its stdin is a
// pipe that devserver never writes. cat on it is still reading after a
// while (timeout ends it: status 124), where a closed stdin would end it
// at once (status 0). A build gets no stdin, so a prompt cannot hang it.
func TestTheAppKeepsAnOpenStdin(t *testing.T) {
	if _, err := exec.LookPath("timeout"); err != nil {
		t.Skip("no timeout(1) here")
	}
	h := start(t, "", func(o *Options) {
		o.Build = `timeout 5 cat; echo "build's cat ended $?"`
		o.Run, o.NoHTTP = `timeout 0.3 cat; echo "app's cat ended $?"; sleep 60`, true
	})
	testkit.WaitFor(t, 20*time.Second, "cat to end", func() bool { return strings.Contains(h.out.String(), "app's cat ended") })
	if out := h.out.String(); !strings.Contains(out, "app's cat ended 124") || !strings.Contains(out, "build's cat ended 0") {
		t.Errorf("the app's stdin was not open, or the build's was:\n%s", out)
	}
}
