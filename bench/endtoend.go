//go:build unix

package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/radovskyb/watcher"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// bareLoop is the reference for polling latency: radovskyb/watcher used
// bare, restarting a process (that records its pid) on the first event,
// with no batching, no debounce and no readiness: args are the tree, the
// interval and the pid file.
func bareLoop(args []string) int {
	dir, pidfile := args[0], args[2]
	interval, _ := time.ParseDuration(args[1])
	w := watcher.New()
	if err := w.AddRecursive(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	start := func() *exec.Cmd {
		c := exec.Command("sh", "-c", "echo $$ >> "+pidfile+"; exec sleep 3600")
		_ = c.Start()
		return c
	}
	child := start()
	go func() {
		for {
			select {
			case <-w.Event:
				_ = child.Process.Kill()
				_ = child.Wait()
				child = start()
			case <-w.Error:
			case <-w.Closed:
				return
			}
		}
	}()
	_ = w.Start(interval)
	return 0
}

// bareLoopRow measures bareLoop as latencyRow measures devserver: the
// time from a write to the new process. It returns the p95.
func (b *bench) bareLoopRow(files, runs int, interval time.Duration) (time.Duration, error) {
	dir := filepath.Join(b.work, fmt.Sprintf("bareloop-%d", files))
	defer os.RemoveAll(dir)
	if err := makeTree(filepath.Join(dir, "src"), files); err != nil {
		return 0, err
	}
	pidfile := filepath.Join(dir, "pids")
	cmd := exec.Command(b.self, "bareloop", filepath.Join(dir, "src"), interval.String(), pidfile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the loop and its process, ended together
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() }()
	if err := testkit.WaitUntil(time.Minute, 5*time.Millisecond, func() bool { return pidCount(pidfile) == 1 }); err != nil {
		return 0, fmt.Errorf("the bare loop never started its process")
	}
	if err := warmUp(dir, pidfile); err != nil {
		return 0, fmt.Errorf("the bare loop: %w", err)
	}
	toProc, err := timeRestarts(dir, pidfile, runs, 0, interval)
	if err != nil {
		return 0, fmt.Errorf("the bare loop: %w", err)
	}
	p95 := percentile(toProc, 0.95)
	fmt.Fprintf(&b.out, "| bare radovskyb loop | %d | %s | %s | %s | – | – | – | – | – |\n", files, interval, ms(percentile(toProc, 0.5)), ms(p95))
	return p95, nil
}

// ---- 2b. end to end, a real go build

const e2eMain = `package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, version) })
	_ = http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil)
}
`

// endToEnd is a save of a Go app's source to its new build answering:
// the floor (the bench runs go build and starts the binary itself, at
// once after the write) beside devserver polling at 100 ms and with
// events, round by round.
func (b *bench) endToEnd() error {
	saves, rounds := 6, 2
	if b.quick {
		saves, rounds = 3, 1
	}
	fmt.Fprintf(&b.out, "\n## 2b. End to end: a save to a real Go app's new build answering (%d saves × %d rounds)\n\n", saves, rounds)
	b.out.WriteString("The floor is the least any tool can do: `go build` and the new binary started at once after the write, until it answers. devserver runs `go build -o app .` and `./app` as `app.build` and `app.run`; the figure is save → the new version's answer through devserver, asked for as an open page asks: once devserver's live-reload stream says to reload. Overhead is devserver's median minus the floor's.\n\n")
	b.out.WriteString("| what | median | p95 | overhead over the floor (median) |\n|---|---|---|---|\n")
	results := map[string][]time.Duration{}
	order := []string{"floor", "poll", "events"}
	for range rounds {
		for _, what := range order {
			ts, err := b.e2eRun(what, saves)
			if err != nil {
				return fmt.Errorf("end to end, %s: %w", what, err)
			}
			results[what] = append(results[what], ts...)
		}
	}
	floor := median(results["floor"])
	for _, what := range order {
		over := "–"
		if what != "floor" {
			over = fmt.Sprintf("%+.0f ms", float64(median(results[what])-floor)/float64(time.Millisecond))
		}
		fmt.Fprintf(&b.out, "| %s | %s | %s | %s |\n", what, ms(median(results[what])), ms(percentile(results[what], 0.95)), over)
	}
	return nil
}

// e2eRun makes a Go app and times saves of it, under devserver (poll or
// events) or by the floor.
func (b *bench) e2eRun(what string, saves int) ([]time.Duration, error) {
	dir, err := os.MkdirTemp(b.work, "e2e-"+what)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	write := func(v int) error {
		src := e2eMain + fmt.Sprintf("\nconst version = \"v%d\"\n", v)
		return os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module e2e\n\ngo 1.22\n"), 0o644); err != nil {
		return nil, err
	}
	if err := write(0); err != nil {
		return nil, err
	}
	if what == "floor" {
		return b.floorSaves(dir, saves, write)
	}
	cfg := fmt.Sprintf("port: 0\napp:\n  build: go build -o app .\n  run: ./app\nwatch:\n  mode: %s\n  interval: 100ms\n", what)
	if err := os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	d, err := b.start(dir, goEnv())
	if err != nil {
		return nil, err
	}
	defer d.Stop()
	if err := testkit.WaitUntil(2*time.Minute, 5*time.Millisecond, func() bool { return answers(d.URL, "v0") }); err != nil {
		return nil, fmt.Errorf("the first build never answered: %s", d.Stderr)
	}
	// As a page open in a browser: it reloads when devserver says so, and
	// then asks once. (Asking through devserver every millisecond while
	// the build runs would load the machine the build shares, which the
	// floor's build does not have to share with anything.)
	events, closeEvents, err := reloadEvents(d.URL)
	if err != nil {
		return nil, err
	}
	defer closeEvents()
	var ts []time.Duration
	for i := 1; i <= saves; i++ {
		time.Sleep(time.Duration(rand.Int64N(int64(100 * time.Millisecond))))
		t0 := time.Now()
		if err := write(i); err != nil {
			return nil, err
		}
		want := fmt.Sprintf("v%d", i)
		for !answers(d.URL, want) {
			select {
			case <-events:
			case <-time.After(2 * time.Minute):
				return nil, fmt.Errorf("save %d never reloaded the page: %s", i, d.Stderr)
			}
		}
		ts = append(ts, time.Since(t0))
	}
	return ts, nil
}

// floorSaves times each save as build + start + first answer, done at once.
func (b *bench) floorSaves(dir string, saves int, write func(int) error) ([]time.Duration, error) {
	var ts []time.Duration
	for i := 1; i <= saves; i++ {
		t0 := time.Now()
		if err := write(i); err != nil {
			return nil, err
		}
		build := exec.Command("go", "build", "-o", "app", ".")
		build.Dir, build.Env = dir, append(os.Environ(), goEnv()...)
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build: %v: %s", err, out)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		app := exec.Command("./app")
		app.Dir, app.Env = dir, append(os.Environ(), fmt.Sprintf("PORT=%d", port))
		app.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := app.Start(); err != nil {
			return nil, err
		}
		url := fmt.Sprintf("http://127.0.0.1:%d/", port)
		err = testkit.WaitUntil(time.Minute, time.Millisecond, func() bool { return answers(url, fmt.Sprintf("v%d", i)) })
		ts = append(ts, time.Since(t0))
		_ = syscall.Kill(-app.Process.Pid, syscall.SIGKILL)
		_ = app.Wait()
		if err != nil {
			return nil, fmt.Errorf("the floor's app never answered")
		}
	}
	return ts, nil
}

// goEnv is what go build needs from the bench's environment.
func goEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GO") || strings.HasPrefix(kv, "HOME=") {
			out = append(out, kv)
		}
	}
	return append(out, "GOFLAGS=-buildvcs=false")
}

// answers reports whether url answers with body want.
func answers(url, want string) bool {
	res, err := client.Get(url)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	buf := make([]byte, 64)
	n, _ := res.Body.Read(buf)
	return res.StatusCode == 200 && string(buf[:n]) == want
}
