package session_test

import (
	"fmt"
	"github.com/devserver/devserver/internal/session"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/devserver/devserver/internal/testkit"
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
