package reload

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/fakeapp"
	"github.com/devserver/devserver/internal/testrig/lockedbuf"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// The test binary doubles as the guard and as a fake app, as os/exec's tests
// do: TestMain looks at its arguments and environment first.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == GuardCommand {
		os.Exit(GuardMain(os.Args[2:]))
	}
	if mode, ok := os.LookupEnv(fakeapp.Env); ok {
		os.Exit(fakeapp.Main(mode))
	}
	os.Exit(m.Run())
}

type harness struct {
	sup     *Supervisor
	pidfile string
	out     *lockedbuf.Buffer
	cancel  context.CancelFunc
	done    chan error
}

// start runs a Supervisor whose app is this test binary in mode.
func start(t *testing.T, mode string, tweak func(*Options)) *harness {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	h := &harness{pidfile: filepath.Join(dir, "pids"), out: &lockedbuf.Buffer{}, done: make(chan error, 1)}
	opts := Options{
		Dir: dir,
		Run: strconv.Quote(self),
		// The fake app is this test binary; under -race its runtime sleeps a
		// second at exit unless told not to.
		Env:          append(os.Environ(), "FAKEAPP="+mode, "PIDFILE="+h.pidfile, "GEN=1", "GORACE=atexit_sleep_ms=0"),
		ReadyTimeout: 10 * time.Second,
		StopTimeout:  2 * time.Second,
		StopSignal:   syscall.SIGTERM,
		Stdout:       h.out,
		Stderr:       h.out,
		Logger:       slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
	if tweak != nil {
		tweak(&opts)
	}
	h.sup, err = NewSupervisor(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.sup.Run(ctx) }()
	t.Cleanup(func() { h.stop(t) })
	return h
}

func (h *harness) stop(t *testing.T) {
	t.Helper()
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func (h *harness) ready(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	addr, release, err := h.sup.Ready(ctx)
	if err != nil {
		t.Fatalf("Ready: %v\noutput:\n%s", err, h.out.String())
	}
	release()
	return addr
}

// failure waits for the supervisor's failure and returns it.
func (h *harness) failure(t *testing.T) *Failure {
	t.Helper()
	var f *Failure
	testkit.WaitFor(t, 20*time.Second, "a failure", func() bool {
		f = h.sup.current().failure
		return f != nil
	})
	return f
}
