package session_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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
