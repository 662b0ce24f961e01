package reload

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// The process layer's promises, on every OS (Linux natively and under the
// devserver_portable tag; Windows under Wine): the app answers on $PORT,
// a stop ends its whole tree, a child included, and an exit is reported
// with its status and output.

func TestStartsAppOnPort(t *testing.T) {
	h := start(t, "serve", nil)
	addr := h.ready(t)
	if _, got := testkit.Get(t, "http://"+addr+"/"); !strings.HasPrefix(got, "gen=1 pid=") {
		t.Errorf("app answered %q", got)
	}
	if !strings.Contains(h.out.String(), "fake app listening") {
		t.Errorf("app output not passed through: %q", h.out.String())
	}
}

// TestStopLeavesNothing: after stop, no process of the app's tree is alive,
// whether the app ignores SIGTERM, forks a child, starts one that leaves its
// group (setsid; on Windows a console group of its own), or, on Unix, sits
// behind `sh -c 'x & exec y'`.
func TestStopLeavesNothing(t *testing.T) {
	self, _ := os.Executable()
	type stopCase struct {
		name, mode, run string
		wantPids        int
	}
	cases := []stopCase{
		{name: "plain", mode: "serve", wantPids: 1},
		{name: "ignores SIGTERM", mode: "ignore-term", wantPids: 1},
		{name: "forks a child", mode: "child", wantPids: 2},
		{name: "a child leaves the group (setsid)", mode: "escapee", wantPids: 2},
	}
	if runtime.GOOS != "windows" { // sh syntax
		cases = append(cases,
			stopCase{name: "background and exec", mode: "serve", wantPids: 2,
				run: fmt.Sprintf("FAKEAPP=sleeper %q & exec %q", self, self)},
			// PROC-03: a grandchild in a session of its own that still holds
			// the app's stdout and stderr cannot keep the stop waiting for EOF.
			stopCase{name: "an escaped grandchild holds stdout", mode: "serve", wantPids: 2,
				run: fmt.Sprintf("FAKEAPP=sleeper setsid %q & exec %q", self, self)})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, tc.mode, func(o *Options) {
				if tc.run != "" {
					o.Run = tc.run
				}
				o.StopTimeout = 500 * time.Millisecond
			})
			h.ready(t)
			testkit.WaitFor(t, 5*time.Second, "all pids recorded", func() bool { return len(testkit.Pids(t, h.pidfile)) == tc.wantPids })
			ps := testkit.Pids(t, h.pidfile)
			for _, p := range ps {
				if !testkit.Alive(p) {
					t.Fatalf("pid %d not running before stop", p)
				}
			}
			h.stop(t)
			for _, p := range ps {
				if testkit.Alive(p) {
					t.Errorf("pid %d still alive after stop", p)
				}
			}
		})
	}
}

func TestAppExitIsAFailureWithOutput(t *testing.T) {
	h := start(t, "exit3", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := h.sup.Ready(ctx)
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("Ready = %v, want a *Failure", err)
	}
	if f.Status != "exit status 3" || !strings.Contains(f.Output, "boom") {
		t.Errorf("failure = %+v", f)
	}
	// No restart loop: the app ran once.
	if n := len(testkit.Pids(t, h.pidfile)); n != 1 {
		t.Errorf("app started %d times, want 1", n)
	}
}

// TestBuildFailureShowsOutput: a failed build's status and output are the
// failure, and the app does not start. The command reads the same in sh and
// in cmd.exe.
func TestBuildFailureShowsOutput(t *testing.T) {
	h := start(t, "serve", func(o *Options) { o.Build = "echo compiling && echo main.go:3: syntax error 1>&2 && exit 2" })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _, err := h.sup.Ready(ctx)
	var f *Failure
	if !errors.As(err, &f) || f.What != "build failed" || f.Status != "exit status 2" || !strings.Contains(f.Output, "main.go:3: syntax error") {
		t.Fatalf("Ready = %v (%+v)", err, f)
	}
	if n := len(testkit.Pids(t, h.pidfile)); n != 0 {
		t.Errorf("app started after a failed build")
	}
}
