//go:build unix

package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// threeProcesses is a project with a web app, a CSS watcher that watches
// files itself (restart: never) and a worker with globs of its own; each
// starts a child and records its pid and the child's in a file of its
// own, outside the tree.
func threeProcesses(t *testing.T) (dir string, pids func(name string) []int) {
	t.Helper()
	self := appBinary(t)
	dir, out := t.TempDir(), t.TempDir()
	file := func(name string) string { return filepath.Join(out, name) }
	run := strconv.Quote(strconv.Quote(self))
	testkit.WriteTree(t, dir, map[string]string{
		"devserver.yaml": fmt.Sprintf(`port: 0
app:
  run: %s
  env: {FAKEAPP: child, PIDFILE: %q, GEN: "1"}
  stop_timeout: 2s
watch: {paths: [src], globs: ["src/web/**"], interval: 50ms, debounce: 20ms}
processes:
  css:
    run: %s
    env: {FAKEAPP: "no-listen,child", PIDFILE: %q}
    restart: never
  worker:
    run: %s
    env: {FAKEAPP: "no-listen,child", PIDFILE: %q}
    watch: ["src/worker/**"]
`, run, file("web"), run, file("css"), run, file("worker")),
		"src/web/main.go":   "package main\n",
		"src/worker/job.py": "print('job')\n",
	})
	return dir, func(name string) []int { return testkit.Pids(t, file(name)) }
}

// waitStarted waits until each process has recorded want pids (a start
// records two: the process and its child).
func waitStarted(t *testing.T, pids func(string) []int, want map[string]int) {
	t.Helper()
	for name, n := range want {
		testkit.WaitFor(t, 30*time.Second, fmt.Sprintf("%d pids of %s", n, name), func() bool { return len(pids(name)) >= n })
	}
	for name, n := range want {
		if got := len(pids(name)); got != n {
			t.Errorf("%s: %d pids, want %d", name, got, n)
		}
	}
}

// TestProcessesBesideTheApp: three processes start together, each line of
// their output behind its name; a change to the worker's files restarts
// only the worker, one to the app's only the app, and Ctrl+C leaves none
// of the three trees alive.
func TestProcessesBesideTheApp(t *testing.T) {
	t.Parallel()
	dir, pids := threeProcesses(t)
	d := startDevserver(t, dir, nil)
	pidServing(t, d.URL)
	waitStarted(t, pids, map[string]int{"web": 2, "css": 2, "worker": 2})
	testkit.WaitFor(t, 10*time.Second, "prefixed output", func() bool {
		out := d.Stdout.String()
		return strings.Contains(out, "worker | running, no port\n") && strings.Contains(out, "css    | running, no port\n") &&
			strings.Contains(out, "app    | fake app listening\n")
	})

	// Each process starts once, and again for each batch of changes that
	// has files of its globs (css for none); the log says which.
	starts := func(name string) int {
		return strings.Count(d.Stderr.String(), fmt.Sprintf("msg=\"%s started\"", name))
	}
	expected := func() map[string]int {
		want := map[string]int{"app": 1, "worker": 1, "css": 1}
		for _, batch := range regexp.MustCompile(`msg="files changed" files=(.*)`).FindAllStringSubmatch(d.Stderr.String(), -1) {
			if strings.Contains(batch[1], "src/web/") {
				want["app"]++
			}
			if strings.Contains(batch[1], "src/worker/") {
				want["worker"]++
			}
		}
		return want
	}
	for i, part := range []string{"worker/job.py", "web/main.go", "worker/job.py", "web/main.go"} {
		name := map[string]string{"worker/job.py": "worker", "web/main.go": "app"}[part]
		before := starts(name)
		testkit.WriteFile(t, filepath.Join(dir, "src", part), fmt.Sprintf("# %d\n", i))
		testkit.WaitFor(t, 30*time.Second, name+" to start again", func() bool { return starts(name) > before })
		pidServing(t, d.URL)
	}
	testkit.WaitFor(t, 30*time.Second, "one start per batch of each one's files", func() bool {
		want := expected()
		return starts("app") == want["app"] && starts("worker") == want["worker"] && starts("css") == want["css"]
	})
	if want := expected(); want["app"] < 3 || want["worker"] < 3 {
		t.Errorf("the edits made %v starts, want at least 3 of the app and of the worker", want)
	}
	waitStarted(t, pids, map[string]int{"web": 2 * starts("app"), "css": 2, "worker": 2 * starts("worker")})
	all := slices.Concat(pids("web"), pids("css"), pids("worker"))
	if code := interrupt(t, d); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	for _, p := range all {
		if testkit.Alive(p) {
			t.Errorf("pid %d outlived devserver", p)
		}
	}
}

// TestSIGKILLTakesEveryProcessDown: killing devserver outright ends every
// process's tree, each under a guard of its own.
func TestSIGKILLTakesEveryProcessDown(t *testing.T) {
	t.Parallel()
	dir, pids := threeProcesses(t)
	d := startDevserver(t, dir, nil)
	waitStarted(t, pids, map[string]int{"web": 2, "css": 2, "worker": 2})
	all := slices.Concat(pids("web"), pids("css"), pids("worker"))
	_ = d.Cmd.Process.Kill()
	<-d.Done
	testkit.WaitFor(t, 15*time.Second, "every tree to die", func() bool { return !slices.ContainsFunc(all, testkit.Alive) })
}
