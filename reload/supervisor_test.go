//go:build unix

package reload

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/procstat"
	"github.com/devserver/devserver/internal/testrig/lockedbuf"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestAppExitsLeavingAGrandchildOnStdout (PROC-03): the app exits at once
// but leaves a grandchild, in a session of its own, holding its output. The
// failure is reported without waiting for that output to end, the
// grandchild is stopped, and the next start works.
func TestAppExitsLeavingAGrandchildOnStdout(t *testing.T) {
	if !subreaper {
		t.Skip("no subreaper on this path: a grandchild in a session of its own whose parent exited first is init's, out of reach (docs/SECURITY.md)")
	}
	self, _ := os.Executable()
	h := start(t, "serve", func(o *Options) {
		o.Run = fmt.Sprintf(`FAKEAPP=sleeper setsid %q & while [ ! -s "$PIDFILE" ]; do sleep 0.01; done; echo leaving; exit 0`, self)
		o.StopTimeout = 500 * time.Millisecond
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _, err := h.sup.Ready(ctx)
	var f *Failure
	if !errors.As(err, &f) || !strings.Contains(f.Output, "leaving") {
		t.Fatalf("Ready = %v, want the app's exit with its output", err)
	}
	sleeper := testkit.Pids(t, h.pidfile)[0] // the app waited for it
	testkit.WaitFor(t, 10*time.Second, "the grandchild stopped", func() bool { return !testkit.Alive(sleeper) })
}

// TestAppPortTakenByAStranger (PROC-08): between devserver choosing the
// app's port and the app binding it, another process (here: the test)
// listens there. No request goes to that stranger: the log names it, and
// the app is started again on another port.
func TestAppPortTakenByAStranger(t *testing.T) {
	self, _ := os.Executable()
	dir := t.TempDir()
	portFile, goFile := filepath.Join(dir, "port"), filepath.Join(dir, "go")
	var log lockedbuf.Buffer
	h := start(t, "serve", func(o *Options) {
		o.Run = fmt.Sprintf(`echo $PORT >> %q; while [ ! -e %q ]; do sleep 0.01; done; exec %q`, portFile, goFile, self)
		o.Logger = slog.New(slog.NewTextHandler(&log, nil))
	})
	var port string
	testkit.WaitFor(t, 10*time.Second, "the app's port", func() bool {
		b, err := os.ReadFile(portFile)
		port = strings.TrimSpace(string(b))
		return err == nil && strings.HasSuffix(string(b), "\n")
	})
	stranger, err := net.Listen("tcp4", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	go func() { // a stranger that would answer if asked
		for {
			c, err := stranger.Accept()
			if err != nil {
				return
			}
			fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nstranger")
			c.Close()
		}
	}()
	os.WriteFile(goFile, nil, 0o644)
	addr := h.ready(t)
	if strings.HasSuffix(addr, ":"+port) {
		t.Errorf("requests go to %s, the stranger's port", addr)
	}
	want := fmt.Sprintf("port %s, given to the app in $PORT, is held by pid %d (", port, os.Getpid())
	if !strings.Contains(log.String(), want) || !strings.Contains(log.String(), "starting app again on another port") {
		t.Errorf("the log does not name the stranger and the new start:\n%s", log.String())
	}
}

func TestRestartGivesNewProcessAndPort(t *testing.T) {
	h := start(t, "serve", nil)
	first := h.ready(t)
	firstPid := testkit.Pids(t, h.pidfile)[0]
	h.sup.Restart()
	testkit.WaitFor(t, 10*time.Second, "a second app", func() bool { return len(testkit.Pids(t, h.pidfile)) == 2 })
	second := h.ready(t)
	if second == first {
		t.Errorf("restart reused address %s", first)
	}
	if testkit.Alive(firstPid) {
		t.Errorf("old app %d alive after restart", firstPid)
	}
	if _, got := testkit.Get(t, "http://"+second+"/"); !strings.Contains(got, fmt.Sprint(testkit.Pids(t, h.pidfile)[1])) {
		t.Errorf("new address answered by %q", got)
	}
}

// TestSettled: the Settled hook hears each ready app and each failure, in
// order; when it hears "ready", Ready answers at once (live reload tells
// browsers to reload then, and their requests must not wait). An app that
// exits after it was ready is not started again until asked: no restart
// loop for an app that crashes once it runs. (The hook asks for a restart
// as it hears of the exit; had the supervisor restarted by itself, that
// request would still be pending when the next app is ready.)
func TestSettled(t *testing.T) {
	settled := make(chan string, 10)
	hc := make(chan *harness, 1)
	h := start(t, "serve", func(o *Options) {
		o.Settled = func(err error) {
			h := <-hc
			hc <- h
			switch {
			case err != nil:
				if strings.HasPrefix(err.Error(), "app exited") {
					h.sup.Restart()
				}
				settled <- err.Error()
				return
			case len(h.sup.restart) > 0:
				settled <- "ready, with a restart still pending"
				return
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // Ready must not need to wait
			_, release, err := h.sup.Ready(ctx)
			if err != nil {
				settled <- "ready, but Ready says " + err.Error()
				return
			}
			release()
			settled <- "ready"
		}
	})
	hc <- h
	next := func() string {
		select {
		case s := <-settled:
			return s
		case <-time.After(20 * time.Second):
			t.Fatal("Settled not called")
		}
		return ""
	}
	if s := next(); s != "ready" {
		t.Fatalf("first: %s", s)
	}
	addr, release, err := h.sup.Ready(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
	if res, err := http.Get("http://" + addr + "/exit"); err == nil {
		res.Body.Close()
	}
	if s := next(); !strings.HasPrefix(s, "app exited") || !strings.Contains(s, "exit status 3") {
		t.Fatalf("after the app exited: %s", s)
	}
	if s := next(); s != "ready" {
		t.Fatalf("after Restart: %s", s)
	}
}

func TestNeverListeningTimesOut(t *testing.T) {
	h := start(t, "no-listen", func(o *Options) { o.ReadyTimeout = 300 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := h.sup.Ready(ctx)
	var f *Failure
	if !errors.As(err, &f) || !strings.Contains(f.Status, "$PORT") {
		t.Fatalf("Ready = %v", err)
	}
	testkit.WaitFor(t, 5*time.Second, "pid recorded", func() bool { return len(testkit.Pids(t, h.pidfile)) == 1 })
	testkit.WaitFor(t, 5*time.Second, "app killed", func() bool { return !testkit.Alive(testkit.Pids(t, h.pidfile)[0]) })
}

// TestGuardStopsAppWhenParentDies runs the guard directly and closes the
// write end of its parent pipe, as the kernel does when devserver dies, even
// by SIGKILL: the app and its child must die.
func TestGuardStopsAppWhenParentDies(t *testing.T) {
	t.Parallel() // seconds of waiting: beside the others
	self, _ := os.Executable()
	pidfile := filepath.Join(t.TempDir(), "pids")
	parentR, parentW, _ := os.Pipe()
	reportR, reportW, _ := os.Pipe()
	port, _ := freePort()
	g := exec.Command(self, GuardCommand, "1s", "SIGTERM", "--", self)
	g.Env = append(os.Environ(), "FAKEAPP=child,ignore-term", "PIDFILE="+pidfile, "PORT="+strconv.Itoa(port))
	g.ExtraFiles = []*os.File{parentR, reportW}
	g.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	parentR.Close()
	reportW.Close()
	defer reportR.Close()
	testkit.WaitFor(t, 10*time.Second, "app and child running", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	ps := testkit.Pids(t, pidfile)
	parentW.Close() // devserver is gone
	testkit.WaitFor(t, 10*time.Second, "app tree gone", func() bool { return !testkit.Alive(ps[0]) && !testkit.Alive(ps[1]) })
	if err := g.Wait(); err != nil {
		t.Errorf("guard: %v", err)
	}
}

// TestGoRunLeavesNothing: `go run` builds and runs the app as its own child;
// SIGTERM to `go run` alone would orphan that child with the port (golang/go#40467).
func TestGoRunLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: go run compiles a program")
	}
	dir := t.TempDir()
	main := `package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	f, _ := os.OpenFile(os.Getenv("PIDFILE"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	fmt.Fprintln(f, os.Getpid())
	f.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		panic(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module app\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := start(t, "", func(o *Options) {
		o.Dir = dir
		o.Run = "go run ."
		o.ReadyTimeout = 60 * time.Second
	})
	h.ready(t)
	ps := testkit.Pids(t, h.pidfile)
	if len(ps) != 1 || !testkit.Alive(ps[0]) {
		t.Fatalf("app pids %v", ps)
	}
	h.stop(t)
	if testkit.Alive(ps[0]) {
		t.Errorf("the binary go run started (pid %d) outlived the stop", ps[0])
	}
}

// TestRestartsLeakNothing: ten restarts leave no zombie child, and the
// open files and goroutines of the supervising process come back to where
// they were (PROC-04).
func TestRestartsLeakNothing(t *testing.T) {
	h := start(t, "child", nil)
	addr := h.ready(t)
	fds := func() int { e, _ := os.ReadDir("/proc/self/fd"); return len(e) }
	restart := func(n int) {
		h.sup.Restart()
		testkit.WaitFor(t, 20*time.Second, fmt.Sprintf("restart %d", n), func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			a, release, err := h.sup.Ready(ctx)
			if err != nil {
				return false
			}
			release()
			if a == addr {
				return false
			}
			addr = a
			return true
		})
	}
	// The baseline is a supervisor that has restarted once. Anything passing
	// open at this moment only raises it; the check below polls.
	restart(1)
	fds0, g0 := fds(), runtime.NumGoroutine()
	for i := 2; i <= 11; i++ {
		restart(i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for fds() > fds0+2 || runtime.NumGoroutine() > g0+2 {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 restarts: %d open files (was %d), %d goroutines (was %d)", fds(), fds0, runtime.NumGoroutine(), g0)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, p := range procstat.All() {
		if p.PPID == os.Getpid() && !p.Live() {
			t.Errorf("zombie child %d", p.PID)
		}
	}
}

// TestReleaseCountsOnce: the server may release a lease twice (early for a
// stream, then when the handler returns); the second call must not free a
// lease another request holds.
func TestReleaseCountsOnce(t *testing.T) {
	var l leases
	a, b := l.take(), l.take()
	a()
	a()
	if n := l.count(); n != 1 {
		t.Errorf("after releasing one lease twice: %d held, want 1", n)
	}
	b()
	if n := l.count(); n != 0 {
		t.Errorf("%d held, want 0", n)
	}
}

// TestAppCannotSpeakForTheGuard: the guard's pipes are not the app's. An app
// that writes "exit 0" to fd 4, where the guard reports, must not make
// devserver believe it ended.
func TestAppCannotSpeakForTheGuard(t *testing.T) {
	self, _ := os.Executable()
	h := start(t, "serve", func(o *Options) {
		o.Run = fmt.Sprintf(`echo 'exit 0' >&4 2>/dev/null; echo 'pgid 1' >&4 2>/dev/null; exec %q`, self)
	})
	addr := h.ready(t)
	if _, got := testkit.Get(t, "http://"+addr+"/"); !strings.HasPrefix(got, "gen=1 pid=") {
		t.Errorf("app answered %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, release, err := h.sup.Ready(ctx); err != nil {
		t.Errorf("after the app wrote to fd 4, Ready = %v", err)
	} else {
		release()
	}
}

// TestAWrongPortIsNamed: an app that listens, but not on $PORT, is said to
// do so as soon as that shows (its port named), not after ready_timeout.
func TestAWrongPortIsNamed(t *testing.T) {
	t.Parallel() // seconds of waiting: beside the others
	if !procstat.Available() {
		t.Skip("no /proc here: the ports of the app's processes cannot be read")
	}
	h := start(t, "wrong-port", func(o *Options) { o.ReadyTimeout = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _, err := h.sup.Ready(ctx)
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("Ready: %v, want the app's failure (the minute of ready_timeout never passed)", err)
	}
	if !regexp.MustCompile(`the app listens on :\d+, not on \$PORT \(\d+\): make it listen on the port in \$PORT`).MatchString(f.Status) {
		t.Errorf("failure %q does not name the port", f.Status)
	}
}

// TestAnAppWithoutHTTPIsUpOnceStarted: a worker that never listens is not
// waited for: with a readiness wait it would fail at once (a ready_timeout
// of a millisecond); it runs, and a restart replaces it.
func TestAnAppWithoutHTTPIsUpOnceStarted(t *testing.T) {
	h := start(t, "no-listen", func(o *Options) { o.NoHTTP, o.ReadyTimeout = true, time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, release, err := h.sup.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	} else {
		release()
	}
	testkit.WaitFor(t, 10*time.Second, "the worker's pid", func() bool { return len(testkit.Pids(t, h.pidfile)) == 1 })
	first := testkit.Pids(t, h.pidfile)[0]
	h.sup.Restart()
	testkit.WaitFor(t, 10*time.Second, "a second worker", func() bool { return len(testkit.Pids(t, h.pidfile)) == 2 })
	testkit.WaitFor(t, 10*time.Second, "the first worker gone", func() bool { return !testkit.Alive(first) })
	if second := testkit.Pids(t, h.pidfile)[1]; !testkit.Alive(second) {
		t.Error("the second worker is not running")
	}
}

// TestTheStopLogSaysWhatHappened: an app that stops on its signal is said
// to have stopped on it, with the streams that were open to it ended; one
// that ignores the signal is said to have been killed after stop_timeout.
func TestTheStopLogSaysWhatHappened(t *testing.T) {
	for _, c := range []struct {
		mode, want string
	}{
		{"serve", `level=INFO msg="app stopped" component=app pid=\d+ signal=SIGTERM streams_ended=1 after=\d`},
		{"ignore-term", `level=WARN msg="app did not exit within 300ms of its stop signal; killing its process tree" component=app pid=\d+ signal=SIGTERM streams_ended=1\n` +
			`.*level=INFO msg="app stopped" component=app pid=\d+ signal=SIGKILL streams_ended=1 after=\d`},
	} {
		t.Run(c.mode, func(t *testing.T) {
			log := &lockedbuf.Buffer{}
			h := start(t, c.mode, func(o *Options) {
				o.StopTimeout, o.Logger = 300*time.Millisecond, slog.New(slog.NewTextHandler(log, nil))
			})
			stopping, end := h.sup.Stream(h.ready(t))
			defer end()
			h.sup.Restart()
			select {
			case <-stopping:
			case <-time.After(10 * time.Second):
				t.Fatal("the stream was not told its app stops")
			}
			re := regexp.MustCompile(c.want)
			testkit.WaitFor(t, 10*time.Second, "the stop said", func() bool { return re.MatchString(log.String()) })
		})
	}
}

// TestAnAppWhosePortWasTakenStartsAgain: an app that exits saying its port
// is in use, on a port devserver chose, had it taken by another program's
// pick of a free port between devserver's pick and its own bind (the taker
// may be gone by the time anyone looks): it is started again on another
// port rather than left failed.
func TestAnAppWhosePortWasTakenStartsAgain(t *testing.T) {
	self, _ := os.Executable()
	tried := filepath.Join(t.TempDir(), "tried")
	var log lockedbuf.Buffer
	h := start(t, "serve", func(o *Options) {
		o.Run = fmt.Sprintf(`if [ ! -e %q ]; then : > %q; echo "listen tcp 127.0.0.1:$PORT: bind: address already in use" >&2; exit 1; fi; exec %q`, tried, tried, self)
		o.Logger = slog.New(slog.NewTextHandler(&log, nil))
	})
	h.ready(t)
	if !strings.Contains(log.String(), "was taken by another process first; starting app again on another port") {
		t.Errorf("the log does not say why the app starts again:\n%s", log.String())
	}
	if n := len(testkit.Pids(t, h.pidfile)); n != 1 {
		t.Errorf("%d fake apps ran, want the second start's one", n)
	}
}

// TestSaysPortInUse: the words of each stack for a port in use count only
// with the port given in $PORT.
func TestSaysPortInUse(t *testing.T) {
	for out, want := range map[string]bool{
		"listen tcp 127.0.0.1:46301: bind: address already in use":                                                     true,
		"Error: listen EADDRINUSE: address already in use :::46301":                                                    true,
		"ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 46301): address already in use":  true,
		"Only one usage of each socket address (protocol/network address/port) is normally permitted. 127.0.0.1:46301": true,
		"Starting inspector on 127.0.0.1:9229 failed: address already in use":                                          false,
		"listen tcp 127.0.0.1:463010: bind: address already in use":                                                    false,
		"served 46301 requests": false,
	} {
		if got := saysPortInUse(out, "46301"); got != want {
			t.Errorf("saysPortInUse(%q) = %v, want %v", out, got, want)
		}
	}
}
