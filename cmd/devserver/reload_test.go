//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/lockedbuf"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// watched is the watch section the reload tests use: a short poll, the
// project's src directory.
const watched = "watch:\n  paths: [src]\n  interval: 50ms\n  debounce: 20ms\n"

func reloadProject(t *testing.T, mode string) (dir, pidfile string) {
	t.Helper()
	dir, pidfile = project(t, mode, watched)
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main\n")
	return dir, pidfile
}

// pidServing is the pid in the app's answer.
func pidServing(t *testing.T, url string) string {
	t.Helper()
	_, body := testkit.Get(t, url)
	_, pid, _ := strings.Cut(body, "pid=")
	return pid
}

func TestAChangeRestartsTheApp(t *testing.T) {
	t.Parallel()
	dir, pidfile := reloadProject(t, "serve")
	d := startDevserver(t, dir, nil)
	if !strings.Contains(d.Stdout.String(), "Watching  1 file in src every 50ms (polling)") {
		t.Errorf("banner does not say what is watched:\n%s", d.Stdout)
	}
	first := pidServing(t, d.URL)
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main // changed\n")
	testkit.WaitFor(t, 20*time.Second, "a second app", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	if second := pidServing(t, d.URL); second == first || second != fmt.Sprint(testkit.Pids(t, pidfile)[1]) {
		t.Errorf("after the change, pid %s answers (first %s, started %v)", second, first, testkit.Pids(t, pidfile))
	}
	if testkit.Alive(testkit.Pids(t, pidfile)[0]) {
		t.Error("the old app is still alive")
	}
	if !strings.Contains(d.Stderr.String(), `msg="files changed" files=src/main.go`) {
		t.Errorf("the log does not say what changed:\n%s", d.Stderr)
	}
}

// TestABurstRestartsOnce writes 1,000 files over several polls, as a git
// checkout does: one restart, whose log line names all of them; a change
// after it is a batch of its own.
func TestABurstRestartsOnce(t *testing.T) {
	t.Parallel()
	// Writing 1,000 files takes several 50ms polls; a debounce of 300ms
	// keeps a stall of the writer (a GC pause under -race) from looking
	// like the end of the burst.
	dir, pidfile := project(t, "serve", strings.Replace(watched, "debounce: 20ms", "debounce: 300ms", 1))
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main\n")
	d := startDevserver(t, dir, nil)
	for i := range 1000 {
		testkit.WriteFile(t, filepath.Join(dir, "src", fmt.Sprintf("pkg%d", i%20), fmt.Sprintf("f%04d.go", i)), "package x\n")
	}
	testkit.WaitFor(t, 30*time.Second, "the restart", func() bool { return len(testkit.Pids(t, pidfile)) >= 2 })
	pidServing(t, d.URL) // the new app is up
	testkit.WriteFile(t, filepath.Join(dir, "src", "marker.go"), "package main\n")
	testkit.WaitFor(t, 30*time.Second, "the marker's batch", func() bool {
		return strings.Contains(d.Stderr.String(), "src/marker.go")
	})
	lines := regexp.MustCompile(`msg="files changed" files="?([^"\n]*)`).FindAllStringSubmatch(d.Stderr.String(), -1)
	if len(lines) != 2 || !strings.Contains(lines[0][1], "and 997 more") || lines[1][1] != "src/marker.go" {
		t.Errorf("batches %q, want one of 1,000 files and then the marker alone", lines)
	}
	testkit.WaitFor(t, 30*time.Second, "the marker's restart", func() bool { return len(testkit.Pids(t, pidfile)) >= 3 })
	if n := len(testkit.Pids(t, pidfile)); n != 3 {
		t.Errorf("%d app starts, want 3 (first, burst, marker)", n)
	}
}

// TestNoRequestFailsAcrossRestarts: clients loop GET and POST while the app
// restarts ten times; every request is answered by an app, bodies intact.
func TestNoRequestFailsAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir, pidfile := reloadProject(t, "serve")
	reqlog := filepath.Join(dir, "requests")
	d := startDevserver(t, dir, []string{"REQLOG=" + reqlog})
	var sent sync.Map // POST bodies sent and answered
	var stop atomic.Bool
	var ok, failed atomic.Int64
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for c := range 8 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				body := fmt.Sprintf("client %d request %d", c, i)
				var res *http.Response
				var err error
				if i%2 == 0 {
					res, err = client.Post(d.URL+"echo", "text/plain", strings.NewReader(body))
				} else {
					res, err = client.Get(d.URL)
					body = "gen=1 pid="
				}
				if err == nil {
					got, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode == http.StatusOK && strings.HasPrefix(string(got), body) {
						ok.Add(1)
						if i%2 == 0 {
							sent.Store(body, true)
						}
						continue
					}
					err = fmt.Errorf("%d %q", res.StatusCode, got)
				}
				failed.Add(1)
				mu.Lock()
				failures = append(failures, err.Error())
				mu.Unlock()
			}
		})
	}
	for i := range 10 {
		testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), fmt.Sprintf("package main // %d\n", i))
		testkit.WaitFor(t, 30*time.Second, fmt.Sprintf("restart %d", i+1), func() bool { return len(testkit.Pids(t, pidfile)) >= i+2 })
		testkit.WaitFor(t, 30*time.Second, "the new app to answer", func() bool {
			return pidServing(t, d.URL) == fmt.Sprint(testkit.Pids(t, pidfile)[i+1])
		})
	}
	stop.Store(true)
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("%d of %d requests failed across 10 restarts; first: %q", failed.Load(), failed.Load()+ok.Load(), failures[:min(3, len(failures))])
	}
	t.Logf("%d requests answered across 10 restarts, %d failed", ok.Load(), failed.Load())
	// Every POST body reached an app exactly once: none was sent twice.
	data, _ := os.ReadFile(reqlog)
	seen := map[string]int{}
	for line := range strings.Lines(string(data)) {
		seen[strings.TrimSuffix(line, "\n")]++
	}
	sent.Range(func(k, _ any) bool {
		if n := seen[k.(string)]; n != 1 {
			t.Errorf("body %q reached the apps %d times", k, n)
		}
		return true
	})
	for body, n := range seen {
		if n > 1 {
			t.Errorf("body %q reached the apps %d times", body, n)
		}
	}
	if ok.Load() < 100 {
		t.Errorf("only %d requests made: the load was too light to mean anything", ok.Load())
	}
}

// TestConfigAppliesLive: a valid save is applied (the app restarts with its
// new environment); an invalid one is reported with its position while the
// last good config keeps serving; fixing it applies it; atomic saves in a
// row are followed to the last; a listener change rebinds.
func TestConfigAppliesLive(t *testing.T) {
	t.Parallel()
	dir, pidfile := reloadProject(t, "serve")
	cfgPath := filepath.Join(dir, "devserver.yaml")
	orig, _ := os.ReadFile(cfgPath)
	d := startDevserver(t, dir, nil)
	pids := func() int { return len(testkit.Pids(t, pidfile)) }

	testkit.SaveAtomic(t, cfgPath, strings.Replace(string(orig), `GEN: "1"`, `GEN: "2"`, 1))
	testkit.WaitFor(t, 20*time.Second, "gen 2", func() bool { _, b := testkit.Get(t, d.URL); return strings.HasPrefix(b, "gen=2 ") })
	if !strings.Contains(d.Stderr.String(), `app.env.GEN: 1 → 2`) {
		t.Errorf("the log does not say what changed:\n%s", d.Stderr)
	}
	started := pids()

	bad := strings.Replace(string(orig), "port: 0", "port: eighty", 1)
	testkit.SaveAtomic(t, cfgPath, bad)
	testkit.WaitFor(t, 20*time.Second, "the error", func() bool {
		return strings.Contains(d.Stderr.String(), `config error: devserver.yaml:1:7: port: \"eighty\" is not a port number`)
	})
	if _, b := testkit.Get(t, d.URL); !strings.HasPrefix(b, "gen=2 ") || pids() != started {
		t.Errorf("after a bad save: %q, %d starts (want the last good app, %d)", b, pids(), started)
	}

	for i := 3; i <= 12; i++ { // saves in a row, faster than the poll
		testkit.SaveAtomic(t, cfgPath, strings.Replace(string(orig), `GEN: "1"`, fmt.Sprintf(`GEN: "%d"`, i), 1))
	}
	testkit.WaitFor(t, 20*time.Second, "gen 12", func() bool { _, b := testkit.Get(t, d.URL); return strings.HasPrefix(b, "gen=12 ") })

	moved := strings.Replace(strings.Replace(string(orig), `GEN: "1"`, `GEN: "12"`, 1), "port: 0", "port: 0\naddr: \"::1\"\nipv6: true", 1)
	testkit.SaveAtomic(t, cfgPath, moved)
	var newURL string
	testkit.WaitFor(t, 20*time.Second, "the rebind", func() bool {
		m := regexp.MustCompile(`listening on a new address" addr=(\[::1\]:\d+)`).FindStringSubmatch(d.Stderr.String())
		if m != nil {
			newURL = "http://" + m[1] + "/"
		}
		return m != nil
	})
	if _, b := testkit.Get(t, newURL); !strings.HasPrefix(b, "gen=12 ") {
		t.Errorf("new address answers %q", b)
	}
	if _, err := http.Get(d.URL); err == nil {
		t.Errorf("the old address %s still answers", d.URL)
	}
}

func TestRSRestartsByHand(t *testing.T) {
	t.Parallel()
	needBinary(t)
	dir, pidfile := reloadProject(t, "serve")
	cmd := exec.Command(binary)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	stdin, _ := cmd.StdinPipe()
	out, errb := &lockedbuf.Buffer{}, &lockedbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
	}()
	testkit.WaitFor(t, 20*time.Second, "the app", func() bool { return len(testkit.Pids(t, pidfile)) == 1 })
	io.WriteString(stdin, "rs\n")
	testkit.WaitFor(t, 20*time.Second, "a restart by hand", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	if !bytes.Contains([]byte(errb.String()), []byte("restarting by hand")) {
		t.Errorf("log:\n%s", errb)
	}
}

func TestNoreloadTurnsWatchingOff(t *testing.T) {
	t.Parallel()
	dir, _ := reloadProject(t, "serve")
	d := startDevserver(t, dir, nil, "--noreload")
	if !strings.Contains(d.Stdout.String(), "Watching  nothing (watch.enabled is off)") {
		t.Errorf("banner:\n%s", d.Stdout)
	}
}

// gatedBuild adds to the project's config a build that records its shell's
// pid in buildpids, then waits for the test to drop a gate file, and takes
// it. It returns the pids of the builds so far.
func gatedBuild(t *testing.T, dir string) (pids func() []int) {
	t.Helper()
	cfgPath := filepath.Join(dir, "devserver.yaml")
	cfg, _ := os.ReadFile(cfgPath)
	build := "  build: \"echo $$ >> buildpids; while [ ! -e gate ]; do sleep 0.02; done; rm -f gate\"\n"
	testkit.WriteFile(t, cfgPath, strings.Replace(string(cfg), "app:\n", "app:\n"+build, 1))
	return func() []int { return testkit.Pids(t, filepath.Join(dir, "buildpids")) }
}

// TestAChangeDuringABuildStartsItOver: a change saved while a build runs
// ends that build's whole tree at once and builds again, so a hung build
// never holds up the change that fixes it; only the last build's app runs.
func TestAChangeDuringABuildStartsItOver(t *testing.T) {
	t.Parallel()
	dir, pidfile := reloadProject(t, "serve")
	builds := gatedBuild(t, dir)
	open := func() { testkit.WriteFile(t, filepath.Join(dir, "gate"), "") }
	open()
	d := startDevserver(t, dir, nil)
	pidServing(t, d.URL)

	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main // 1\n")
	testkit.WaitFor(t, 20*time.Second, "build 2 to start", func() bool { return len(builds()) == 2 })
	for i := range 3 { // each change while a build waits at its gate
		before := len(builds())
		testkit.WriteFile(t, filepath.Join(dir, "src", fmt.Sprintf("during%d.go", i)), "package main\n")
		testkit.WaitFor(t, 20*time.Second, "the build to start over", func() bool { return len(builds()) > before })
		ps := builds()
		for _, p := range ps[:len(ps)-1] {
			testkit.WaitFor(t, 10*time.Second, fmt.Sprintf("superseded build %d to be gone", p), func() bool { return !testkit.Alive(p) })
		}
	}
	if n := len(testkit.Pids(t, pidfile)); n != 1 {
		t.Fatalf("%d apps started while builds ran, want only the first", n)
	}
	open()
	testkit.WaitFor(t, 20*time.Second, "the app of the last build", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	if !strings.Contains(d.Stderr.String(), "build cancelled for a newer change") {
		t.Errorf("the log does not say a build was cancelled:\n%s", d.Stderr)
	}
}

// TestAConfigFixUnblocksAHungBuild: a build that never ends is replaced by
// saving a config with another build, which runs at once.
func TestAConfigFixUnblocksAHungBuild(t *testing.T) {
	t.Parallel()
	dir, pidfile := reloadProject(t, "serve")
	cfgPath := filepath.Join(dir, "devserver.yaml")
	builds := gatedBuild(t, dir) // no gate: it hangs
	hung, _ := os.ReadFile(cfgPath)
	startDevserver(t, dir, nil)
	testkit.WaitFor(t, 20*time.Second, "the hung build", func() bool { return len(builds()) == 1 })
	testkit.SaveAtomic(t, cfgPath, strings.Replace(string(hung), "while [ ! -e gate ]", "while false", 1))
	testkit.WaitFor(t, 20*time.Second, "the app of the fixed build", func() bool { return len(testkit.Pids(t, pidfile)) == 1 })
	if p := builds()[0]; testkit.Alive(p) {
		t.Errorf("the hung build (pid %d) still runs", p)
	}
}

// TestWatchAndOverlayApplyLive: a new watch path is watched once saved, and
// a local overlay created beside the config is applied.
func TestWatchAndOverlayApplyLive(t *testing.T) {
	t.Parallel()
	dir, pidfile := reloadProject(t, "serve")
	cfgPath := filepath.Join(dir, "devserver.yaml")
	cfg, _ := os.ReadFile(cfgPath)
	d := startDevserver(t, dir, nil)
	pidServing(t, d.URL)

	testkit.WriteFile(t, filepath.Join(dir, "lib", "util.go"), "package lib\n")
	testkit.SaveAtomic(t, cfgPath, strings.Replace(string(cfg), "paths: [src]", "paths: [src, lib]", 1))
	testkit.WaitFor(t, 20*time.Second, "the watch change applied", func() bool {
		return strings.Contains(d.Stderr.String(), `watch.paths: [\"src\"] → [\"src\", \"lib\"]`) &&
			strings.Contains(d.Stderr.String(), `msg=watching files=2 paths="src, lib"`)
	})
	before := len(testkit.Pids(t, pidfile))
	testkit.WriteFile(t, filepath.Join(dir, "lib", "util.go"), "package lib // changed\n")
	testkit.WaitFor(t, 20*time.Second, "a restart for lib/", func() bool { return len(testkit.Pids(t, pidfile)) > before })

	testkit.WriteFile(t, filepath.Join(dir, "devserver.local.yaml"), "app:\n  env:\n    GEN: mine\n")
	testkit.WaitFor(t, 20*time.Second, "the overlay", func() bool { _, b := testkit.Get(t, d.URL); return strings.HasPrefix(b, "gen=mine ") })
}

// TestDeletedConfigKeepsTheLastGood: deleting devserver.yaml (a checkout of
// a branch without it) must not fall back to the defaults; putting it back
// applies it.
func TestDeletedConfigKeepsTheLastGood(t *testing.T) {
	t.Parallel()
	dir, pidfile := reloadProject(t, "serve")
	cfgPath := filepath.Join(dir, "devserver.yaml")
	orig, _ := os.ReadFile(cfgPath)
	d := startDevserver(t, dir, nil)
	pid := pidServing(t, d.URL)
	os.Remove(cfgPath)
	testkit.WaitFor(t, 20*time.Second, "the warning", func() bool {
		return strings.Contains(d.Stderr.String(), "config file is gone; still running with the last good config")
	})
	if got := pidServing(t, d.URL); got != pid || len(testkit.Pids(t, pidfile)) != 1 {
		t.Errorf("after the delete, pid %s answers (was %s), %d starts", got, pid, len(testkit.Pids(t, pidfile)))
	}
	testkit.SaveAtomic(t, cfgPath, strings.Replace(string(orig), `GEN: "1"`, `GEN: "5"`, 1))
	testkit.WaitFor(t, 20*time.Second, "gen 5", func() bool { _, b := testkit.Get(t, d.URL); return strings.HasPrefix(b, "gen=5 ") })
}

// configProject runs devserver on a fake-app project with the given watch
// section, once its app answers, and returns the config file and its
// content.
func configProject(t *testing.T, watch string) (d *devserver, pidfile, cfgPath string, orig []byte) {
	t.Helper()
	dir, pidfile := project(t, "serve", watch)
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main\n")
	cfgPath = filepath.Join(dir, "devserver.yaml")
	orig, _ = os.ReadFile(cfgPath)
	d = startDevserver(t, dir, nil)
	pidServing(t, d.URL)
	return d, pidfile, cfgPath, orig
}

// TestHalfWrittenConfigIsNeverApplied: a save in two writes, whose first
// half is itself a valid config, applies only the whole (CFG-02). The config
// is polled every second here, so the half-written state would have to last
// a second to be taken.
func TestHalfWrittenConfigIsNeverApplied(t *testing.T) {
	t.Parallel()
	d, _, cfgPath, orig := configProject(t, "watch:\n  paths: [src]\n  interval: 1s\n")
	final := strings.Replace(string(orig), `GEN: "1"`, `GEN: "complete"`, 1)
	half := final[:strings.Index(final, `GEN: "complete"`)] + "GEN: comp\n"
	f, err := os.OpenFile(cfgPath, os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, half)
	f.Sync()
	f.Truncate(0)
	f.Seek(0, io.SeekStart)
	io.WriteString(f, final)
	f.Close()
	testkit.WaitFor(t, 20*time.Second, "the whole save", func() bool { _, b := testkit.Get(t, d.URL); return strings.HasPrefix(b, "gen=complete ") })
	if strings.Contains(d.Stderr.String(), "comp\"") || strings.Contains(d.Stderr.String(), "→ comp\n") || strings.Contains(d.Stderr.String(), "GEN: 1 → comp ") {
		t.Errorf("the half-written config was applied:\n%s", d.Stderr)
	}
}

// TestChangedCommandIsAnnouncedFirst (CFG-07): a config change that swaps
// the app's command (a git pull, a teammate's edit) is logged, old and new,
// before the new command runs.
func TestChangedCommandIsAnnouncedFirst(t *testing.T) {
	t.Parallel()
	dir, _ := reloadProject(t, "serve")
	cfgPath := filepath.Join(dir, "devserver.yaml")
	orig, _ := os.ReadFile(cfgPath)
	d := startDevserver(t, dir, nil)
	self := appBinary(t)
	quoted := strconv.Quote(strconv.Quote(self))
	if !strings.Contains(string(orig), "run: "+quoted) {
		t.Fatalf("unexpected project config:\n%s", orig)
	}
	testkit.SaveAtomic(t, cfgPath, strings.Replace(string(orig), "run: "+quoted, "run: "+strconv.Quote("GEN=9 exec "+strconv.Quote(self)), 1))
	testkit.WaitFor(t, 20*time.Second, "the new command's app", func() bool { _, b := testkit.Get(t, d.URL); return strings.HasPrefix(b, "gen=9 ") })
	log := d.Stderr.String()
	announced := strings.Index(log, "app.run: ")
	if announced < 0 || !strings.Contains(log[announced:], "→") {
		t.Fatalf("the change of app.run is not logged:\n%s", log)
	}
	if !strings.Contains(log[announced:], "app started") {
		t.Errorf("the new command started before it was announced:\n%s", log)
	}
}

// TestConfigStorm (CFG-06): 20 saves within a poll, alternating broken and
// valid, in the same burst as 1,000 changed source files. The last save
// wins; a broken state in between is never reported, because it never
// stands still for a poll; at most two configs are applied; and the app
// restarts at most twice (the burst, and the config).
func TestConfigStorm(t *testing.T) {
	t.Parallel()
	d, pidfile, cfgPath, orig := configProject(t, "watch:\n  paths: [src]\n  interval: 500ms\n  debounce: 300ms\n") // a stall of the writer under load must not end its burst
	dir := filepath.Dir(cfgPath)
	starts := len(testkit.Pids(t, pidfile))
	for i := range 1000 {
		testkit.WriteFile(t, filepath.Join(dir, "src", fmt.Sprintf("gen%04d.go", i)), "package main\n")
	}
	for i := 1; i <= 20; i++ {
		content := strings.Replace(string(orig), `GEN: "1"`, fmt.Sprintf(`GEN: "storm%d"`, i), 1)
		if i%2 == 1 {
			content = strings.Replace(content, "port: 0", "port: eighty", 1)
		}
		testkit.SaveAtomic(t, cfgPath, content)
	}
	testkit.WaitFor(t, 30*time.Second, "the last save", func() bool { _, b := testkit.Get(t, d.URL); return strings.HasPrefix(b, "gen=storm20 ") })
	log := d.Stderr.String()
	if n := strings.Count(log, "config applied"); n > 2 {
		t.Errorf("%d configs applied, want at most 2:\n%s", n, log)
	}
	if strings.Contains(log, "config has errors") {
		t.Errorf("a broken state that never stood still was reported:\n%s", log)
	}
	if n := len(testkit.Pids(t, pidfile)) - starts; n > 2 {
		t.Errorf("%d restarts, want at most 2", n)
	}
}

// TestAHostileConfigSavedWhileRunning: an 824-byte file of nested YAML
// aliases, saved over the config of a running devserver, is refused at
// its position; the app that was serving goes on serving, and fixing the
// file applies it.
func TestAHostileConfigSavedWhileRunning(t *testing.T) {
	t.Parallel()
	d, _, cfgPath, orig := configProject(t, "watch:\n  paths: [src]\n  interval: 50ms\n")
	before := pidServing(t, d.URL)
	var bomb strings.Builder
	bomb.WriteString("b0: &b0 {x: 1, y: 2}\n")
	for i := 1; i < 30; i++ {
		fmt.Fprintf(&bomb, "b%d: &b%d {p: *b%d, q: *b%d}\n", i, i, i-1, i-1)
	}
	testkit.SaveAtomic(t, cfgPath, bomb.String())
	testkit.WaitFor(t, 20*time.Second, "the refusal", func() bool {
		return strings.Contains(d.Stderr.String(), "devserver.yaml:11:15: alias *b9: the file expands to more than 10000")
	})
	if now := pidServing(t, d.URL); now != before {
		t.Errorf("the app changed from pid %s to %s", before, now)
	}
	testkit.SaveAtomic(t, cfgPath, strings.Replace(string(orig), `GEN: "1"`, `GEN: "fixed"`, 1))
	testkit.WaitFor(t, 20*time.Second, "the fixed config", func() bool { _, b := testkit.Get(t, d.URL); return strings.HasPrefix(b, "gen=fixed ") })
}

// selfWritingProject is a project whose app appends its pid, at each start,
// to name in the project's root: a file inside the watched tree.
func selfWritingProject(t *testing.T, name string) (dir, pidfile string) {
	t.Helper()
	self := appBinary(t)
	dir = t.TempDir()
	pidfile = filepath.Join(dir, name)
	testkit.WriteFile(t, filepath.Join(dir, "devserver.yaml"), fmt.Sprintf(`port: 0
app:
  run: %q
  env: {FAKEAPP: serve, PIDFILE: %q, GEN: "1"}
  ready_timeout: 20s
  stop_timeout: 1s
watch:
  interval: 50ms
  debounce: 20ms
`, strconv.Quote(self), pidfile))
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main\n")
	return dir, pidfile
}

// editAndCount saves a source file, waits for the restart it brings, and
// returns the number of app starts then.
func editAndCount(t *testing.T, d *devserver, dir, pidfile, name string, want int) {
	t.Helper()
	testkit.WriteFile(t, filepath.Join(dir, "src", name), "package main\n")
	testkit.WaitFor(t, 20*time.Second, name+"'s restart", func() bool { return len(testkit.Pids(t, pidfile)) >= want })
	pidServing(t, d.URL)
}

// TestAppWritingItsDatabaseRestartsOnce: an app that writes a SQLite file
// (Django's db.sqlite3) or a log in the tree at each start is not
// restarted by it: one restart per edit.
func TestAppWritingItsDatabaseRestartsOnce(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"db.sqlite3", "app.log"} {
		t.Run(name, func(t *testing.T) {
			dir, pidfile := selfWritingProject(t, name)
			d := startDevserver(t, dir, nil)
			pidServing(t, d.URL)
			editAndCount(t, d, dir, pidfile, "a.go", 2)
			editAndCount(t, d, dir, pidfile, "b.go", 3) // a barrier: batches come in order
			if n := len(testkit.Pids(t, pidfile)); n != 3 {
				t.Errorf("%d app starts, want 3 (first, a.go, b.go):\n%s", n, d.Stderr)
			}
		})
	}
}

// TestRestartLoopIsStopped: an app that writes a watched file at each start
// restarts itself; after three such starts in a row devserver stops
// restarting for that file, says which and how to ignore it, and still
// restarts for edits.
func TestRestartLoopIsStopped(t *testing.T) {
	t.Parallel()
	dir, pidfile := selfWritingProject(t, "state.txt")
	d := startDevserver(t, dir, nil)
	testkit.WaitFor(t, 20*time.Second, "the loop named", func() bool {
		return strings.Contains(d.Stderr.String(), "restart loop: state.txt changed right after each of the last 3 starts") &&
			strings.Contains(d.Stderr.String(), "add them to .gitignore")
	})
	n := len(testkit.Pids(t, pidfile))
	editAndCount(t, d, dir, pidfile, "a.go", n+1)
	editAndCount(t, d, dir, pidfile, "b.go", n+2) // state.txt after a.go's start came before b.go
	if got := len(testkit.Pids(t, pidfile)); got != n+2 {
		t.Errorf("%d app starts after the loop was stopped at %d, want %d (one per edit)", got, n, n+2)
	}
}

// TestStreamsEndWithTheirApp: an app that, on SIGTERM, waits for its open
// connections to close (uvicorn, Express's server.close) is restarted while
// a browser holds a server-sent-events stream and a WebSocket open to it
// through devserver. devserver ends both as it stops the app, so the app
// exits by itself instead of being killed after stop_timeout, both clients
// see their connection end, and a new stream reaches the new app.
func TestStreamsEndWithTheirApp(t *testing.T) {
	t.Parallel()
	self := appBinary(t)
	dir := t.TempDir()
	pidfile := filepath.Join(t.TempDir(), "pids")
	testkit.WriteFile(t, filepath.Join(dir, "devserver.yaml"), fmt.Sprintf(`port: 0
app:
  run: %q
  env: {FAKEAPP: graceful, PIDFILE: %q, GEN: "1"}
  stop_timeout: 30s
watch: {paths: [src], interval: 50ms, debounce: 20ms}
`, strconv.Quote(self), pidfile))
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main\n")
	d := startDevserver(t, dir, nil)
	pidServing(t, d.URL)

	res, err := http.Get(d.URL + "sse")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sse := bufio.NewReader(res.Body)
	if line, err := sse.ReadString('\n'); err != nil || line != "data: 0\n" {
		t.Fatalf("first event: %q %v", line, err)
	}
	ws, wsr := testkit.Upgrade(t, strings.TrimSuffix(strings.TrimPrefix(d.URL, "http://"), "/"), "/ws")

	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main // changed\n")
	testkit.WaitFor(t, 60*time.Second, "the new app", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	testkit.WaitFor(t, 60*time.Second, "the new app answering", func() bool {
		return pidServing(t, d.URL) == fmt.Sprint(testkit.Pids(t, pidfile)[1])
	})
	if strings.Contains(d.Stderr.String(), "did not exit within") {
		t.Errorf("the old app had to be killed: its streams were kept open:\n%s", d.Stderr)
	}
	if !regexp.MustCompile(`msg="app stopped" component=app pid=\d+ signal=SIGTERM streams_ended=2 after=`).MatchString(d.Stderr.String()) {
		t.Errorf("the stop log does not say the app stopped on SIGTERM with its two streams ended:\n%s", d.Stderr)
	}
	if !strings.Contains(d.Stdout.String(), "all connections closed") {
		t.Errorf("the old app did not see its connections close:\n%s", d.Stdout)
	}
	if _, err := io.ReadAll(sse); err == nil {
		// A clean end of the stream is as good as a cut one: either way the
		// browser reconnects.
		t.Log("the stream ended cleanly")
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := wsr.ReadString('\n'); err == nil {
		t.Error("the WebSocket still answers after its app stopped")
	}
	res2, err := http.Get(d.URL + "sse")
	if err != nil {
		t.Fatal(err)
	}
	defer res2.Body.Close()
	if line, err := bufio.NewReader(res2.Body).ReadString('\n'); err != nil || line != "data: 0\n" {
		t.Errorf("a new stream: %q %v", line, err)
	}
}

// TestDotenvReachesTheApp: .env's variables reach the app, below app.env
// and devserver's own environment, and an edit to .env restarts the app
// with the new values.
func TestDotenvReachesTheApp(t *testing.T) {
	t.Parallel()
	dir, pidfile := project(t, "serve", "watch: {paths: [src], interval: 50ms, debounce: 20ms}\n")
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main\n")
	testkit.WriteFile(t, filepath.Join(dir, ".env"), "# local settings\nFROM_FILE=\"from .env\"\nexport GEN=from-file\nOWN=from-file\n")
	d := startDevserver(t, dir, []string{"OWN=from-devserver"})
	env := func(name string) string {
		_, body := testkit.Get(t, d.URL+"env?name="+name)
		return body
	}
	for name, want := range map[string]string{"FROM_FILE": "from .env", "GEN": "1", "OWN": "from-devserver"} {
		if got := env(name); got != want {
			t.Errorf("%s = %q, want %q (.env below app.env and devserver's environment)", name, got, want)
		}
	}
	testkit.SaveAtomic(t, filepath.Join(dir, ".env"), "FROM_FILE=edited\n")
	testkit.WaitFor(t, 20*time.Second, "the edit applied", func() bool { return env("FROM_FILE") == "edited" })
	if n := len(testkit.Pids(t, pidfile)); n != 2 {
		t.Errorf("%d app starts, want 2", n)
	}
	if !strings.Contains(d.Stderr.String(), "app.env_file FROM_FILE: (set) → (changed)") || strings.Contains(d.Stderr.String(), "edited") {
		t.Errorf("the log should name the variable, not its value:\n%s", d.Stderr)
	}
}

// TestAGoBuildsOutputNeverRestarts is the config people write first for
// Go: `go build -o myapp .` and `./myapp` with the default globs, which
// watch the binary too. The build's output never counts: one start per
// edit, and the log says once what it left out.
func TestAGoBuildsOutputNeverRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		"go.mod": "module example.com/myapp\n\ngo 1.22\n",
		"main.go": `package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "pid=%d", os.Getpid()) })
	_ = http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil)
}
`,
		"devserver.yaml": "port: 0\napp:\n  build: go build -o myapp .\n  run: ./myapp\nwatch: {interval: 50ms, debounce: 20ms}\n",
	})
	d := startDevserver(t, dir, goSetup(t, dir))
	starts := func() int { return strings.Count(d.Stderr.String(), `msg="app started"`) }
	edit := func(comment string, want int) {
		t.Helper()
		pidServing(t, d.URL)
		replaceIn(t, filepath.Join(dir, "main.go"), "func main() {", "func main() { // "+comment+"\n")
		testkit.WaitFor(t, 60*time.Second, comment+"'s restart", func() bool { return starts() >= want })
	}
	edit("one", 2)
	edit("two", 3)
	edit("three", 4) // a barrier: batches come in order, the build's after its edit's
	pidServing(t, d.URL)
	if n := starts(); n != 4 {
		t.Errorf("%d app starts, want 4 (first and one per edit)", n)
	}
	if got := strings.Count(d.Stderr.String(), `msg="not restarting for what a build wrote" files=myapp`); got != 1 {
		t.Errorf("the log names the build's output %d times, want once", got)
	}
}
