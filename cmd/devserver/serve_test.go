//go:build unix

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// These tests run the devserver binary built in TestMain, as a user would,
// with the test binary itself as the app (see internal/testrig/fakeapp).

type devserver = testkit.Devserver

func needBinary(t *testing.T) {
	t.Helper()
	if binary == "" {
		t.Skip("-short: no devserver binary built")
	}
}

// startDevserver runs devserver in dir and waits for its banner.
func startDevserver(t *testing.T, dir string, env []string, args ...string) *devserver {
	t.Helper()
	return startCommand(t, dir, env, nil, args...)
}

// startCommand is startDevserver with a command line in front of devserver
// (a shell that sets limits, say): prefix, then the binary, then args.
func startCommand(t *testing.T, dir string, env, prefix []string, args ...string) *devserver {
	t.Helper()
	needBinary(t)
	// HOME is a temporary directory, never dir: tools the app runs (go
	// build writes its telemetry under HOME) must not write into the tree.
	d, err := testkit.Start(testkit.Run{Binary: binary, Dir: dir, Env: append([]string{"HOME=" + t.TempDir()}, env...),
		Prefix: prefix, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Stop()
		if t.Failed() {
			t.Logf("devserver stdout:\n%s\nstderr:\n%s", d.Stdout, d.Stderr)
		}
	})
	return d
}

// interrupt sends Ctrl+C and returns the exit code.
func interrupt(t *testing.T, d *devserver) int {
	t.Helper()
	code, err := d.Interrupt(20 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// project writes a devserver.yaml whose app is this test binary in mode.
func project(t *testing.T, mode, extra string) (dir, pidfile string) {
	t.Helper()
	self := appBinary(t)
	dir = t.TempDir()
	// Outside the tree: an app that writes into the tree it is restarted
	// for restarts itself for ever.
	pidfile = filepath.Join(t.TempDir(), "pids")
	cfg := fmt.Sprintf(`port: 0
app:
  run: %q
  env:
    FAKEAPP: %q
    PIDFILE: %q
    GEN: "1"
  ready_timeout: 20s
  stop_timeout: 1s
%s`, strconv.Quote(self), mode, pidfile, extra)
	if err := os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, pidfile
}

// TestServesTheExampleApp is `make run`: the repo's own devserver.yaml
// builds and serves examples/hello (the ci profile picks a free port).
func TestServesTheExampleApp(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	d := startDevserver(t, root, []string{"GOFLAGS=-buildvcs=false", "GOCACHE=" + goEnv(t, "GOCACHE"), "GOPATH=" + goEnv(t, "GOPATH")}, "--profile", "ci")
	status, body := testkit.Get(t, d.URL)
	if status != http.StatusOK || !strings.Contains(body, "<h1>Hello from devserver</h1>") {
		t.Errorf("GET /: %d %q", status, body)
	}
	if status, body := testkit.Get(t, d.URL+"static/site.css"); status != http.StatusOK || !strings.Contains(body, "font-family") {
		t.Errorf("GET /static/site.css: %d %q", status, body)
	}
	if code := interrupt(t, d); code != 0 {
		t.Errorf("exit code %d after Ctrl+C", code)
	}
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// TestCtrlCStopsTheWholeApp: the app and its child are gone after Ctrl+C,
// and devserver exits 0.
func TestCtrlCStopsTheWholeApp(t *testing.T) {
	t.Parallel()
	dir, pidfile := project(t, "child", "")
	d := startDevserver(t, dir, nil)
	status, body := testkit.Get(t, d.URL)
	if status != http.StatusOK || !strings.HasPrefix(body, "gen=1 pid=") {
		t.Fatalf("GET: %d %q", status, body)
	}
	testkit.WaitFor(t, 10*time.Second, "app and child pids", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	pids := testkit.Pids(t, pidfile)
	if code := interrupt(t, d); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	for _, p := range pids {
		if testkit.Alive(p) {
			t.Errorf("pid %d outlived devserver", p)
		}
	}
	if !strings.Contains(d.Stderr.String(), `"GET / HTTP/1.1" 200 `) {
		t.Errorf("no request log line:\n%s", d.Stderr)
	}
}

// TestSIGKILLTakesTheAppDown: even when devserver is killed outright, its
// guard stops the app and the app's child.
func TestSIGKILLTakesTheAppDown(t *testing.T) {
	t.Parallel()
	dir, pidfile := project(t, "child,ignore-term", "")
	d := startDevserver(t, dir, nil)
	testkit.Get(t, d.URL)
	testkit.WaitFor(t, 10*time.Second, "app and child pids", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	pids := testkit.Pids(t, pidfile)
	_ = d.Cmd.Process.Kill()
	<-d.Done
	testkit.WaitFor(t, 15*time.Second, "the app tree to die", func() bool {
		for _, p := range pids {
			if testkit.Alive(p) {
				return false
			}
		}
		return true
	})
}

// TestSIGKILLTakesTheBuildDown: a build runs under the same guard as the
// app, so killing devserver outright ends the build's shell and the
// children it started.
func TestSIGKILLTakesTheBuildDown(t *testing.T) {
	t.Parallel()
	self := appBinary(t)
	dir, _ := project(t, "serve", "")
	cfgPath := filepath.Join(dir, "devserver.yaml")
	cfg, _ := os.ReadFile(cfgPath)
	build := fmt.Sprintf("echo $$ >> buildpids; FAKEAPP=sleeper PIDFILE=buildpids %q & wait", self)
	testkit.WriteFile(t, cfgPath, strings.Replace(string(cfg), "app:\n", "app:\n  build: "+strconv.Quote(build)+"\n", 1))
	d := startDevserver(t, dir, nil)
	pidfile := filepath.Join(dir, "buildpids")
	testkit.WaitFor(t, 20*time.Second, "the build's shell and child", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	pids := testkit.Pids(t, pidfile)
	_ = d.Cmd.Process.Kill()
	<-d.Done
	testkit.WaitFor(t, 15*time.Second, "the build tree to die", func() bool {
		return !slices.ContainsFunc(pids, testkit.Alive)
	})
}

// TestRequestsWaitForASlowApp: a request sent as soon as devserver listens
// is held until the app is ready, and answered by it.
func TestRequestsWaitForASlowApp(t *testing.T) {
	t.Parallel()
	dir, _ := project(t, "slow", "")
	d := startDevserver(t, dir, []string{"DELAY=1s"})
	status, body := testkit.Get(t, d.URL)
	if status != http.StatusOK || !strings.HasPrefix(body, "gen=1") {
		t.Errorf("held request: %d %q", status, body)
	}
}

func TestBuildErrorPage(t *testing.T) {
	t.Parallel()
	dir, pidfile := project(t, "serve", "")
	cfg, _ := os.ReadFile(filepath.Join(dir, "devserver.yaml"))
	cfg = []byte(strings.Replace(string(cfg), "app:\n", "app:\n  build: \"echo 'main.go:7: undefined: x' >&2; exit 1\"\n", 1))
	os.WriteFile(filepath.Join(dir, "devserver.yaml"), cfg, 0o644)
	d := startDevserver(t, dir, nil)
	status, body := testkit.Get(t, d.URL, "Accept", "text/html")
	if status != http.StatusBadGateway || !strings.Contains(body, "build failed (exit status 1)") || !strings.Contains(body, "main.go:7: undefined: x") {
		t.Errorf("build error page: %d\n%s", status, body)
	}
	if len(testkit.Pids(t, pidfile)) != 0 {
		t.Error("the app ran although its build failed")
	}
}

func TestAppExitPage(t *testing.T) {
	t.Parallel()
	dir, pidfile := project(t, "exit3", "")
	d := startDevserver(t, dir, nil)
	status, body := testkit.Get(t, d.URL)
	if status != http.StatusBadGateway || !strings.Contains(body, "exit status 3") || !strings.Contains(body, "boom") || strings.Contains(body, "<html") {
		t.Errorf("app exit page (text): %d\n%s", status, body)
	}
	if n := len(testkit.Pids(t, pidfile)); n != 1 {
		t.Errorf("the app started %d times; no restart loop wanted", n)
	}
}

func TestADDRPORTAndIPv6(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("static index"), 0o644)
	d := startDevserver(t, dir, nil, "[::1]:0")
	if !strings.HasPrefix(d.URL, "http://[::1]:") {
		t.Fatalf("banner URL %q, want [::1]", d.URL)
	}
	if status, body := testkit.Get(t, d.URL); status != http.StatusOK || body != "static index" {
		t.Errorf("GET over IPv6: %d %q", status, body)
	}
	testkit.WaitFor(t, 10*time.Second, "the hint to run devserver init without a config file", func() bool {
		return strings.Contains(d.Stderr.String(), "devserver init") // stderr is read apart from the banner
	})
	d2 := startDevserver(t, dir, nil, "127.0.0.1:0")
	if !strings.HasPrefix(d2.URL, "http://127.0.0.1:") || strings.HasSuffix(d2.URL, ":0/") {
		t.Errorf("banner URL %q, want 127.0.0.1 and the port chosen", d2.URL)
	}
}

func TestPortInUse(t *testing.T) {
	t.Parallel()
	needBinary(t)
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	cmd := exec.Command(binary, strconv.Itoa(port), "--strict-port")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != exitFailure {
		t.Fatalf("exit %v, want %d:\n%s", err, exitFailure, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := lines[len(lines)-1]
	want := fmt.Sprintf("devserver: port %d on 127.0.0.1 is already in use", port)
	if !strings.HasPrefix(last, want) {
		t.Errorf("last line %q, want it to start %q", last, want)
	}
	if strings.Contains(string(out), " stopped") {
		t.Errorf("a start-up that failed says it stopped something:\n%s", out)
	}

	// Without --strict-port, devserver serves on the next free port, as
	// Vite does, and says who holds the one asked for.
	d := startDevserver(t, t.TempDir(), nil, strconv.Itoa(port))
	u, err := url.Parse(d.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := strconv.Atoi(u.Port())
	moved := fmt.Sprintf("Moved:   port %d on 127.0.0.1 is already in use", port)
	if got <= port || got > port+10 || !strings.Contains(d.Stdout.String(), moved) {
		t.Errorf("with port %d taken: serving on %d, banner:\n%s", port, got, d.Stdout)
	}
	if status, _ := testkit.Get(t, d.URL); status != http.StatusOK && status != http.StatusNotFound {
		t.Errorf("on the next port: %d", status)
	}
}

// TestProxyThroughTheBinary: streaming, upgrades and the app's environment
// (app.env, DEVSERVER_PROFILE, PORT) through the real binary.
func TestProxyThroughTheBinary(t *testing.T) {
	t.Parallel()
	dir, _ := project(t, "serve", "profiles:\n  dev:\n    app:\n      env:\n        GEN: \"2\"\n")
	d := startDevserver(t, dir, nil, "--profile", "dev")
	for name, want := range map[string]string{"GEN": "2", "DEVSERVER_PROFILE": "dev", "FAKEAPP": "serve"} {
		if _, got := testkit.Get(t, d.URL+"env?name="+name); got != want {
			t.Errorf("app sees %s=%q, want %q", name, got, want)
		}
	}
	if _, port := testkit.Get(t, d.URL+"env?name=PORT"); port == "" || strings.HasSuffix(d.URL, ":"+port+"/") {
		t.Errorf("app PORT %q: want an internal port, not devserver's", port)
	}

	res, err := http.Get(d.URL + "sse")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := make([]byte, 64)
	n, err := res.Body.Read(buf)
	if err != nil || string(buf[:n]) != "data: 0\n\n" {
		t.Fatalf("first event: %q %v", buf[:n], err)
	}
	testkit.Get(t, d.URL+"next") // the app sends the second event only now
	n, err = io.ReadAtLeast(res.Body, buf, len("data: 1\n\n"))
	if err != nil || string(buf[:n]) != "data: 1\n\n" {
		t.Errorf("second event: %q %v", buf[:n], err)
	}

	upgradeEchoes(t, d.URL)
}

// TestSecurityThroughTheBinary: secrets, traversal and foreign hosts as a
// user's devserver meets them; the full matrices are in package server.
func TestSecurityThroughTheBinary(t *testing.T) {
	t.Parallel()
	needBinary(t)
	root := t.TempDir()
	dir := filepath.Join(root, "site")
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	for name, content := range map[string]string{"site/ok.txt": "ok", "site/.env": "SECRET", "site/.git/config": "SECRET", "secret.txt": "SECRET"} {
		os.WriteFile(filepath.Join(root, name), []byte(content), 0o644)
	}
	os.Symlink("../secret.txt", filepath.Join(dir, "link"))
	d := startDevserver(t, dir, nil, "0")
	c := strings.TrimSuffix(strings.TrimPrefix(d.URL, "http://"), "/")
	for _, target := range []string{"/.env", "/.git/config", "/link", "/../secret.txt", "/%2e%2e/secret.txt"} {
		conn, err := net.Dial("tcp", c)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", target)
		got, _ := io.ReadAll(conn)
		conn.Close()
		if strings.Contains(string(got), "SECRET") || !strings.HasPrefix(string(got), "HTTP/1.1 404") {
			t.Errorf("GET %s: %q", target, got)
		}
	}
	status, body := testkit.Get(t, d.URL+"ok.txt", "Host", "attacker.example")
	if status != http.StatusBadRequest || !strings.Contains(body, "allowed_hosts") {
		t.Errorf("foreign Host: %d %q", status, body)
	}
	testkit.Get(t, d.URL+"%1b[31mred%0d%0afake")
	testkit.WaitFor(t, 5*time.Second, "the log line", func() bool {
		return strings.Contains(d.Stderr.String(), `\x1b[31mred`) || strings.Contains(d.Stderr.String(), "%1b[31mred")
	})
	if strings.ContainsAny(d.Stderr.String(), "\x1b\r") {
		t.Errorf("raw control characters in devserver's log:\n%q", d.Stderr)
	}
}

// TestAConfigUnderAnotherNameIsNotServed: `devserver --config dev.yaml` in
// a static-only project (and the same through DEVSERVER_CONFIG) never
// serves the file it loaded, tokens in app.env and all.
func TestAConfigUnderAnotherNameIsNotServed(t *testing.T) {
	t.Parallel()
	for name, how := range map[string]struct{ env, args []string }{
		"--config":         {args: []string{"--config", "dev.yaml"}},
		"DEVSERVER_CONFIG": {env: []string{"DEVSERVER_CONFIG=dev.yaml"}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			testkit.WriteFile(t, filepath.Join(dir, "dev.yaml"), "port: 0\napp:\n  env:\n    API_TOKEN: SECRET\n")
			testkit.WriteFile(t, filepath.Join(dir, "index.txt"), "ok")
			d := startDevserver(t, dir, how.env, how.args...)
			if status, body := testkit.Get(t, d.URL+"dev.yaml"); status != http.StatusNotFound || strings.Contains(body, "SECRET") {
				t.Errorf("GET /dev.yaml: %d %q", status, body)
			}
			if status, body := testkit.Get(t, d.URL+"index.txt"); status != http.StatusOK || body != "ok" {
				t.Errorf("GET /index.txt: %d %q", status, body)
			}
		})
	}
}

// TestSecondCtrlCEndsAtOnce: while devserver waits for an app that ignores
// SIGTERM, a second Ctrl+C ends it by the signal instead of a clean exit.
func TestSecondCtrlCEndsAtOnce(t *testing.T) {
	t.Parallel()
	dir, pidfile := project(t, "ignore-term", "")
	cfg, _ := os.ReadFile(filepath.Join(dir, "devserver.yaml"))
	os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(strings.Replace(string(cfg), "stop_timeout: 1s", "stop_timeout: 10m", 1)), 0o644)
	d := startDevserver(t, dir, nil)
	testkit.Get(t, d.URL)
	pids := testkit.Pids(t, pidfile)
	t.Cleanup(func() {
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	})
	_ = d.Cmd.Process.Signal(syscall.SIGINT)
	testkit.WaitFor(t, 10*time.Second, "devserver to start stopping the app", func() bool { return strings.Contains(d.Stderr.String(), "shutting down") })
	_ = d.Cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-d.Done:
	case <-time.After(20 * time.Second):
		t.Fatal("a second Ctrl+C did not end devserver")
	}
	ws, _ := d.Cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("devserver ended with %v, want killed by SIGINT", d.Cmd.ProcessState)
	}
}

// TestOutOfFileDescriptors (LOAD-04): with `ulimit -n` low and more idle
// connections than it allows, devserver stays up, says once why new
// connections wait, serves again as soon as they close, and still starts
// its app (whose pipes need descriptors too).
func TestOutOfFileDescriptors(t *testing.T) {
	t.Parallel()
	dir, pidfile := reloadProject(t, "serve")
	d := startCommand(t, dir, []string{"DEVSERVER_QUEUE_SIZE=128"}, []string{"/bin/sh", "-c", `ulimit -n 64 && exec "$0" "$@"`})
	first := pidServing(t, d.URL)
	host := strings.TrimSuffix(strings.TrimPrefix(d.URL, "http://"), "/")
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	// Dial until devserver runs out. A dial that times out (the listen
	// queue is full while devserver catches up) is simply tried again.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(d.Stderr.String(), "out of file descriptors") && time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", host, time.Second); err == nil {
			idle = append(idle, c)
		}
	}
	testkit.WaitFor(t, 20*time.Second, "the warning", func() bool {
		return strings.Contains(d.Stderr.String(), "out of file descriptors")
	})
	// The watcher, which opens directories, runs out too: that is said
	// once as well, not at each of the 20 polls of the next second.
	testkit.WaitFor(t, 20*time.Second, "the watcher's error", func() bool { return strings.Contains(d.Stderr.String(), "watch error") })
	time.Sleep(time.Second) // not a wait for a condition: how long the scenario lasts
	for _, what := range []string{"out of file descriptors", "watch error"} {
		if n := strings.Count(d.Stderr.String(), what); n > 1 {
			t.Errorf("%q said %d times, want once at most", what, n)
		}
	}
	for _, c := range idle {
		c.Close()
	}
	idle = nil
	testkit.WaitFor(t, 20*time.Second, "an answer again", func() bool {
		c := http.Client{Timeout: 2 * time.Second}
		res, err := c.Get(d.URL)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main // changed\n")
	testkit.WaitFor(t, 20*time.Second, "a restarted app", func() bool { return pidServing(t, d.URL) != first })
	if n := len(testkit.Pids(t, pidfile)); n != 2 {
		t.Errorf("%d app starts, want 2", n)
	}
	select {
	case <-d.Done:
		t.Fatal("devserver exited")
	default:
	}
}

// TestOneClientNeverGetsAnothersAnswer: against an app that never reads
// request bodies (Python's http.server on GET), a client sends a GET whose
// body is itself a request. The app answers it too, on the connection
// devserver would pool; the next client's request must never receive that
// answer. Each kind of request a body can ride on is tried.
func TestOneClientNeverGetsAnothersAnswer(t *testing.T) {
	t.Parallel()
	dir, _ := project(t, "ignores-bodies", "watch: {enabled: false}\n")
	d := startDevserver(t, dir, nil)
	host := strings.TrimSuffix(strings.TrimPrefix(d.URL, "http://"), "/")
	smuggled := "GET /smuggled HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
	carriers := map[string]string{
		"GET with a length":    "GET /a HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: " + strconv.Itoa(len(smuggled)) + "\r\n\r\n" + smuggled,
		"DELETE with a length": "DELETE /a HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: " + strconv.Itoa(len(smuggled)) + "\r\n\r\n" + smuggled,
		"POST chunked":         "POST /a HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\n\r\n" + fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(smuggled), smuggled),
		// No body sent, but this app answers HEAD with one, which must not
		// be read as the next client's answer either.
		"HEAD": "HEAD /a HTTP/1.1\r\nHost: " + host + "\r\n\r\n",
	}
	for name, attack := range carriers {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // side by side: each client's answer still its own
			for i := range 10 {
				c, err := net.Dial("tcp", host)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := io.WriteString(c, attack); err != nil {
					t.Fatal(err)
				}
				method, _, _ := strings.Cut(attack, " ")
				res, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
				if err != nil {
					t.Fatalf("round %d: the sender's own answer: %v", i, err)
				}
				body, _ := io.ReadAll(res.Body)
				c.Close()
				if want := "path=/a"; method == http.MethodHead && len(body) != 0 || method != http.MethodHead && string(body) != want {
					t.Fatalf("round %d: the sender got %s %v %q", i, res.Status, res.Header, body)
				}
				// The next client, at once, on the connection devserver keeps.
				if _, got := testkit.Get(t, d.URL+"b"); got != "path=/b" {
					t.Fatalf("round %d: another client got %q, the answer to a request it never made", i, got)
				}
			}
		})
	}
}

// TestBodiesSurviveRestarts: requests with bodies, sent while the app
// restarts again and again, to an app that answers before it reads a body
// and sends the answer's body a moment later: every answer arrives whole.
// (Before full duplex, about one such answer in thirty came cut short.)
func TestBodiesSurviveRestarts(t *testing.T) {
	t.Parallel()
	dir, pidfile := project(t, "ignores-bodies", "watch:\n  paths: [src]\n  interval: 30ms\n  debounce: 10ms\n")
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main\n")
	d := startDevserver(t, dir, nil)
	stop := make(chan struct{})
	saved := make(chan struct{})
	go func() { // a save every 40ms: the app restarts all along
		defer close(saved)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(40 * time.Millisecond):
			}
			// Two files by turns: one file rewritten at every start would be
			// a restart loop, which devserver stops.
			os.WriteFile(filepath.Join(dir, "src", fmt.Sprintf("f%d.go", i%2)), fmt.Appendf(nil, "package main // %d\n", i), 0o644)
		}
	}()
	defer func() { close(stop); <-saved }()
	// 60 requests, four clients at a time: each one held through a restart.
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Go(func() {
			for i := range 15 {
				res, err := http.Post(d.URL+"a", "text/plain", strings.NewReader("a body the app never reads"))
				if err != nil {
					t.Errorf("client %d, request %d: %v", c, i, err)
					return
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || string(body) != "path=/a" {
					t.Errorf("client %d, request %d: %d %q (%v), want the whole answer", c, i, res.StatusCode, body, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := len(testkit.Pids(t, pidfile)); n < 10 {
		t.Errorf("only %d app starts: the requests did not meet restarts", n)
	}
}

// TestACodespaceIsAllowedItsForwardedHost: inside GitHub Codespaces the
// host the codespace forwards devserver's port under is allowed, and the
// banner prints its URL; another codespace's host is refused, saying which
// variables allow a forwarded host.
func TestACodespaceIsAllowedItsForwardedHost(t *testing.T) {
	t.Parallel()
	free, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := free.Addr().(*net.TCPAddr).Port
	free.Close()
	d := startDevserver(t, t.TempDir(), []string{"CODESPACE_NAME=fluffy-x1", "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN=app.github.dev"}, strconv.Itoa(port))
	host := fmt.Sprintf("fluffy-x1-%d.app.github.dev", port)
	if !strings.Contains(d.Stdout.String(), "GitHub Codespaces: https://"+host+"/") {
		t.Errorf("the banner has no forwarded URL:\n%s", d.Stdout)
	}
	if status, body := testkit.Get(t, d.URL, "Host", host); status == http.StatusBadRequest {
		t.Errorf("the codespace's own host was refused: %s", body)
	}
	status, body := testkit.Get(t, d.URL, "Host", fmt.Sprintf("other-%d.app.github.dev", port))
	if status != http.StatusBadRequest || !strings.Contains(body, "CODESPACE_NAME and GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN") {
		t.Errorf("another codespace's host: %d %q", status, body)
	}
}
