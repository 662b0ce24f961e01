//go:build unix

package reload

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testkit"
)

// TestReadyLogAndCommand: a unit without HTTP is ready once a line of its
// output matches ready_log (colours left out), or once ready_command exits
// 0; not before, and one whose line never comes fails at ready_timeout,
// saying what it waited for.
func TestReadyLogAndCommand(t *testing.T) {
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
