package reload

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/fakeapp"
)

// The process layer's promises, on every OS (Linux natively and under the
// devserver_portable tag; Windows under Wine): the app answers on $PORT,
// a stop ends its whole tree, a child included, and an exit is reported
// with its status and output.

func TestStartsAppOnPort(t *testing.T) {
	h := start(t, "serve", nil)
	addr := h.ready(t)
	if got := get(t, addr); !strings.HasPrefix(got, "gen=1 pid=") {
		t.Errorf("app answered %q", got)
	}
	if !strings.Contains(h.out.String(), "fake app listening") {
		t.Errorf("app output not passed through: %q", h.out.String())
	}
}

func TestStopEndsTheTree(t *testing.T) {
	h := start(t, "child", nil)
	h.ready(t)
	fakeapp.WaitFor(t, 10*time.Second, "the app and its child", func() bool { return len(fakeapp.Pids(t, h.pidfile)) == 2 })
	ps := fakeapp.Pids(t, h.pidfile)
	for _, p := range ps {
		if !fakeapp.Alive(p) {
			t.Fatalf("pid %d is not running", p)
		}
	}
	h.stop(t)
	for _, p := range ps {
		if fakeapp.Alive(p) {
			t.Errorf("pid %d outlived the stop", p)
		}
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
	if n := len(fakeapp.Pids(t, h.pidfile)); n != 1 {
		t.Errorf("app started %d times, want 1", n)
	}
}

func TestBuildFailureStopsTheStart(t *testing.T) {
	h := start(t, "serve", func(o *Options) { o.Build = "exit 4" })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _, err := h.sup.Ready(ctx)
	var f *Failure
	if !errors.As(err, &f) || f.What != "build failed" || f.Status != "exit status 4" {
		t.Fatalf("Ready = %v, want the build's exit status 4", err)
	}
	if len(fakeapp.Pids(t, h.pidfile)) != 0 {
		t.Error("the app ran although its build failed")
	}
}
