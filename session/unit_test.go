package session_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
	"github.com/devserver/devserver/session"
)

// TestProcessesFollowTheConfig: a saved config starts a process it adds,
// stops one it removes and restarts one whose settings changed, and only
// that one; an edit of a process's dotenv file restarts that process.
func TestProcessesFollowTheConfig(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	proc := func(name, gen string) string {
		return fmt.Sprintf("  %s:\n    run: %s\n    env: {FAKEAPP: no-listen, GEN: %q}\n    env_file: [%s.env]\n", name, strconv.Quote(self), gen, name)
	}
	cfg := func(procs ...string) string {
		out := "port: 0\nwatch: {enabled: false, interval: 20ms}\napp: {stop_timeout: 2s}\nprocesses:\n"
		for _, p := range procs {
			out += p
		}
		return out
	}
	testkit.WriteFile(t, filepath.Join(dir, "devserver.yaml"), cfg(proc("alpha", "1"), proc("beta", "1")))
	r := run(t, dir, nil)
	r.waitLog(t, `msg="alpha started"`, 1)
	r.waitLog(t, `msg="beta started"`, 1)

	r.save(t, cfg(proc("alpha", "1"), proc("beta", "2")))
	r.waitLog(t, `msg="beta started"`, 2)
	r.save(t, cfg(proc("beta", "2"), proc("gamma", "1")))
	r.waitLog(t, `msg="alpha stopped"`, 1)
	r.waitLog(t, `msg="gamma started"`, 1)
	testkit.SaveAtomic(t, filepath.Join(dir, "gamma.env"), "TOKEN=1\n")
	r.waitLog(t, `msg="gamma started"`, 2)
	r.waitLog(t, "processes.gamma.env_file TOKEN: (unset) → (set)", 1)
	r.save(t, cfg(proc("beta", "2"), proc("gamma", "2"))) // a barrier: applies come in order
	r.waitLog(t, `msg="gamma started"`, 3)
	for what, n := range map[string]int{`msg="alpha started"`: 1, `msg="beta started"`: 2, `msg="gamma started"`: 3} {
		if got := r.countLog(what); got != n {
			t.Errorf("%d× %s in the log, want %d", got, what, n)
		}
	}
}

// TestClearScreenAndRestartByHand: with watch.clear_screen the screen is
// cleared before a restart for changed files (and not without a change);
// a restart asked for by hand restarts the app and every process.
func TestClearScreenAndRestartByHand(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		"src/a.txt": "a",
		"devserver.yaml": fmt.Sprintf("port: 0\nwatch: {paths: [src], interval: 20ms, debounce: 10ms, clear_screen: true}\n"+
			"app: {run: %s, env: {FAKEAPP: serve}, stop_timeout: 2s}\nprocesses:\n  beta: {run: %s, env: {FAKEAPP: no-listen}}\n",
			strconv.Quote(strconv.Quote(self)), strconv.Quote(strconv.Quote(self))),
	})
	var cleared atomic.Int32
	restart := make(chan struct{})
	r := runWith(t, dir, session.Options{Clear: func() { cleared.Add(1) }, Restart: restart})
	r.waitLog(t, `msg="app ready"`, 1)
	r.waitLog(t, `msg="beta started"`, 1)
	restart <- struct{}{}
	r.waitLog(t, `msg="app ready"`, 2)
	r.waitLog(t, `msg="beta started"`, 2)
	if n := cleared.Load(); n != 0 {
		t.Errorf("cleared %d times before any change", n)
	}
	testkit.WriteFile(t, filepath.Join(dir, "src", "a.txt"), "b")
	r.waitLog(t, `msg="app ready"`, 3)
	if n := cleared.Load(); n != 1 {
		t.Errorf("cleared %d times for one change, want 1", n)
	}
}

// TestAFailedProcessPutsTheLastGoodConfigBack: a save that changes the app
// and a process, and whose process then fails to build, is put back whole:
// the process's old run serves on, the app is given its old settings
// again, the rest of the config (allowed_hosts) goes back too, and the log
// names the process.
func TestAFailedProcessPutsTheLastGoodConfigBack(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := func(gen, build, extra string) string {
		return fmt.Sprintf("port: 0\n%swatch: {enabled: false, interval: 20ms}\n"+
			"app: {run: %s, env: {FAKEAPP: serve, GEN: %q}, stop_timeout: 2s}\n"+
			"processes:\n  beta: {run: %s, build: %q, env: {FAKEAPP: no-listen, GEN: %q}}\n",
			extra, strconv.Quote(strconv.Quote(self)), gen, strconv.Quote(strconv.Quote(self)), build, gen)
	}
	testkit.WriteFile(t, filepath.Join(dir, "devserver.yaml"), cfg("1", "", ""))
	r := run(t, dir, nil)
	url := fmt.Sprintf("http://127.0.0.1:%d/", r.addr.Port)
	r.waitLog(t, `msg="beta started"`, 1)
	if _, body := testkit.Get(t, url); !strings.HasPrefix(body, "gen=1 ") {
		t.Fatalf("before: %q", body)
	}

	r.save(t, cfg("2", "exit 3", "allowed_hosts: [named.test]\n"))
	r.waitLog(t, "config not applied: process beta failed with it; back to the last good config", 1)
	testkit.WaitFor(t, 20*time.Second, "the app back on gen=1", func() bool {
		_, body := testkit.Get(t, url)
		return strings.HasPrefix(body, "gen=1 ")
	})
	if status, _ := testkit.Get(t, url, "Host", "named.test"); status != http.StatusBadRequest {
		t.Errorf("Host named.test: %d, want 400: allowed_hosts of the failed config is in force", status)
	}
	if n := r.countLog(`msg="beta started"`); n != 1 {
		t.Errorf("beta started %d times; its old run should serve on", n)
	}

	r.save(t, cfg("3", "", "allowed_hosts: [named.test]\n"))
	testkit.WaitFor(t, 20*time.Second, "the fixed config serving", func() bool {
		_, body := testkit.Get(t, url, "Host", "named.test")
		return strings.HasPrefix(body, "gen=3 ")
	})
	r.waitLog(t, `msg="beta started"`, 2)
}
