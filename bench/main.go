//go:build unix

// Command bench measures devserver against references taken in the same
// run: the cost of polling a tree (against find(1) and radovskyb/watcher
// used bare), change-to-restart latency, bursts, proxy overhead (against the
// app hit directly) and restarts under load. It prints Markdown tables and,
// with -write, puts them into docs/BENCHMARKS.md between the bench markers.
//
// BENCH_QUICK=1 runs a smaller set in well under two minutes; BENCH_ONLY
// names the steps to run alone, comma-separated (poll, latency, bursts,
// proxy, restarts, routed, reload).
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/radovskyb/watcher"

	"github.com/devserver/devserver/internal/fakeapp"
	"github.com/devserver/devserver/internal/procstat"
	"github.com/devserver/devserver/internal/testkit"
	"github.com/devserver/devserver/reload/watch"
)

func main() {
	if mode, ok := os.LookupEnv(fakeapp.Env); ok {
		os.Exit(fakeapp.Main(mode))
	}
	if len(os.Args) > 1 && os.Args[1] == "soak" {
		os.Exit(soak(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "bare" {
		os.Exit(bare(os.Args[2:]))
	}
	if len(os.Args) == 5 && os.Args[1] == "load" { // load URL CONNS DURATION, for profiling by hand
		conns, _ := strconv.Atoi(os.Args[3])
		d, _ := time.ParseDuration(os.Args[4])
		r := load(os.Args[2], conns, d)
		fmt.Printf("%.0f req/s p50 %s p99 %s failed %d\n", r.rps, ms(r.p50), ms(r.p99), r.failed)
		os.Exit(0)
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type bench struct {
	quick     bool
	work      string // temp dir
	devserver string // built binary
	self      string
	out       bytes.Buffer          // the Markdown report
	scanTime  map[int]time.Duration // poll's CPU per scan by tree size, from section 1
	spans     []spanSet             // section 2's restarts, span by span
}

// spanSet is the spans of one latency row's restarts.
type spanSet struct {
	what string
	runs [][]time.Duration
}

func run() error {
	write := flag.Bool("write", false, "write the report into docs/BENCHMARKS.md")
	flag.Parse()
	b := &bench{quick: os.Getenv("BENCH_QUICK") != "", scanTime: map[int]time.Duration{}}
	// The harness allocates freely between measurements; keep the GC from
	// running inside a timed scan more than it must.
	debug.SetGCPercent(400)
	if err := b.prepare(); err != nil {
		return err
	}
	defer os.RemoveAll(b.work)
	start := time.Now()
	b.header()
	steps := []struct {
		name string
		run  func() error
	}{{"poll", b.pollCost}, {"latency", b.latency}, {"bursts", b.bursts}, {"proxy", b.proxy},
		{"restarts", b.restartsUnderLoad}, {"routed", b.routedRestarts}, {"reload", b.reloadOnly}}
	only := os.Getenv("BENCH_ONLY") // steps' names, to measure them alone (not with -write)
	for _, step := range steps {
		if only != "" && !slices.Contains(strings.Split(only, ","), step.name) {
			continue
		}
		if err := step.run(); err != nil {
			return err
		}
	}
	fmt.Fprintf(&b.out, "\nWhole run: %s.\n", time.Since(start).Round(time.Second))
	os.Stdout.Write(b.out.Bytes())
	if *write && os.Getenv("BENCH_ONLY") == "" {
		return writeSection("docs/BENCHMARKS.md", "bench", b.out.String())
	}
	return nil
}

// prepare makes the work directory and builds devserver into it.
func (b *bench) prepare() error {
	var err error
	if b.self, err = os.Executable(); err != nil {
		return err
	}
	if b.work, err = os.MkdirTemp("", "devserver-bench-"); err != nil {
		return err
	}
	b.devserver = filepath.Join(b.work, "devserver")
	if out, err := exec.Command("go", "build", "-o", b.devserver, "./cmd/devserver").CombinedOutput(); err != nil {
		os.RemoveAll(b.work)
		return fmt.Errorf("build devserver: %v\n%s", err, out)
	}
	return nil
}

func (b *bench) header() {
	cmd := "make bench"
	if b.quick {
		cmd = "BENCH_QUICK=1 make bench"
	}
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.*)`).FindSubmatch(data); m != nil {
			cpu = string(m[1])
		}
	}
	fmt.Fprintf(&b.out, "Command: `%s` · %s · %d cores (%s) · %s · %s\n",
		cmd, time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), cpu, kernel(), runtime.Version())
}

// writeSection replaces what stands between the markers <!-- name:begin -->
// and <!-- name:end --> in the file at path.
func writeSection(path, name, report string) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	begin, end := "<!-- "+name+":begin -->", "<!-- "+name+":end -->"
	i, j := bytes.Index(doc, []byte(begin)), bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s markers", path, begin, end)
	}
	var out bytes.Buffer
	out.Write(doc[:i+len(begin)])
	out.WriteString("\n" + report)
	out.Write(doc[j:])
	return os.WriteFile(path, out.Bytes(), 0o644)
}

// ---- trees

// makeTree writes n small files, 100 to a directory, under dir.
func makeTree(dir string, n int) error {
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("d%04d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%03d.txt", i%100)), []byte("hello\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ---- medians and formatting

func median[T int64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func percentile(xs []time.Duration, p float64) time.Duration {
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(p*float64(len(s)-1) + 0.5)
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func mib(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }

// ---- process measurements

// cpuTicks is the CPU time (user+system) of a process, from /proc.
func cpuTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100, nil // USER_HZ is 100 on Linux
}

// peakRSS is VmHWM in kB.
func peakRSS(pid int) int64 {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	m := regexp.MustCompile(`VmHWM:\s*(\d+)`).FindSubmatch(data)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

// idleCPU samples a process's CPU share over windows of w, after warm-up.
func idleCPU(pid int, warm, w time.Duration, n int) (float64, error) {
	time.Sleep(warm)
	var shares []float64
	for range n {
		c0, err := cpuTime(pid)
		if err != nil {
			return 0, err
		}
		t0 := time.Now()
		time.Sleep(w)
		c1, err := cpuTime(pid)
		if err != nil {
			return 0, err
		}
		shares = append(shares, float64(c1-c0)/float64(time.Since(t0))*100)
	}
	return median(shares), nil
}

// syscallsPerScan traces a process for w and returns stat-family calls per
// scan; a scan is an open of the root directory.
func syscallsPerScan(pid int, root string, w time.Duration) (float64, error) {
	if _, err := exec.LookPath("strace"); err != nil {
		return 0, errors.New("strace not installed")
	}
	out := filepath.Join(os.TempDir(), fmt.Sprintf("bench-strace-%d", pid))
	defer os.Remove(out)
	cmd := exec.Command("strace", "-f", "-qq", "-o", out, "-e", "trace=%%stat,openat", "-p", strconv.Itoa(pid))
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	time.Sleep(w)
	_ = cmd.Process.Signal(syscall.SIGINT)
	_ = cmd.Wait()
	f, err := os.Open(out)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	// Count the stat calls between two opens of the root: whole scans only
	// (the trace starts and ends in the middle of one).
	var perScan []float64
	count, started := 0, false
	rootOpen := fmt.Sprintf("openat(AT_FDCWD, %q,", root)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, rootOpen):
			if started {
				perScan = append(perScan, float64(count))
			}
			count, started = 0, true
		case strings.Contains(line, "stat"):
			count++
		}
	}
	if len(perScan) == 0 {
		return 0, errors.New("no whole scan traced")
	}
	return median(perScan), nil
}

// ---- 1. poll cost

// bare is radovskyb/watcher used as its README shows, with the ignored
// directory given to Ignore (its best case), draining its channels.
func bare(args []string) int {
	dir, ignore := args[0], args[1]
	interval, _ := time.ParseDuration(args[2])
	w := watcher.New()
	if ignore != "" {
		_ = w.Ignore(ignore)
	}
	if err := w.AddRecursive(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() {
		for {
			select {
			case <-w.Event:
			case <-w.Error:
			case <-w.Closed:
				return
			}
		}
	}()
	fmt.Println("ready")
	_ = w.Start(interval)
	return 0
}

// cpuPerScan runs scan n times and returns the median CPU time of one.
func cpuPerScan(n int, scan func() error) (time.Duration, error) {
	var ts []time.Duration
	for range n {
		runtime.GC()
		var r0, r1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
		if err := scan(); err != nil {
			return 0, err
		}
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
		ts = append(ts, rusageCPU(r1)-rusageCPU(r0))
	}
	return median(ts), nil
}

func rusageCPU(r syscall.Rusage) time.Duration {
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

func findScan(dir string) (time.Duration, error) {
	cmd := exec.Command("find", dir, "-path", filepath.Join(dir, "node_modules"), "-prune", "-o", "-printf", "%s\n")
	cmd.Stdout = io.Discard
	if err := cmd.Run(); err != nil {
		return 0, err
	}
	u := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return rusageCPU(*u), nil
}

func (b *bench) pollCost() error {
	sizes := []int{1000, 10000, 100000}
	window, windows, scans := 5*time.Second, 3, 5
	if b.quick {
		sizes, window, windows, scans = []int{1000, 10000}, 2*time.Second, 1, 3
	}
	const interval = 500 * time.Millisecond
	fmt.Fprintf(&b.out, "\n## 1. Watch cost, idle (interval %s; each tree has an ignored node_modules half its size)\n\n", interval)
	b.out.WriteString("CPU per scan is the median of in-process scans (rusage). The floor is a bare `filepath.WalkDir` with one `lstat` per entry that keeps nothing, node_modules pruned; `find(1)` does the same in C. \"poll\" is devserver's own scanner (the default), \"radovskyb\" the engine over radovskyb/watcher (what devserver polled with before), \"bare\" that library used naively. Idle CPU and peak RSS are of the running process (/proc) over the whole window, medians of the windows; devserver runs without an app here (the guard's RSS is in section 2); stat calls per scan come from strace.\n\n")
	b.out.WriteString("| watched files | floor CPU/scan | find(1) | bare library | poll | poll ÷ floor | poll ÷ bare | radovskyb engine | poll idle CPU | events idle CPU | bare idle CPU | poll peak RSS | events peak RSS | bare peak RSS | stat calls/scan poll (find) | poll without node_modules |\n")
	b.out.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, n := range sizes {
		if err := b.pollCostRow(n, interval, window, windows, scans); err != nil {
			return err
		}
	}
	return nil
}

// scanCost is what one tree's scans cost, each the median CPU time of one.
type scanCost struct {
	floor, find, bare, poll, radovskyb, pollNoNM time.Duration
}

// pollCostRow measures a tree of n files (and an ignored node_modules of
// n/2) and writes its row.
func (b *bench) pollCostRow(n int, interval, window time.Duration, windows, scans int) error {
	root := filepath.Join(b.work, fmt.Sprintf("tree%d", n))
	defer os.RemoveAll(root)
	nm := filepath.Join(root, "node_modules")
	if err := makeTree(root, n); err != nil {
		return err
	}
	if err := makeTree(nm, n/2); err != nil {
		return err
	}
	c, err := b.scanCosts(root, nm, interval, scans)
	if err != nil {
		return err
	}
	b.scanTime[n] = c.poll
	pollIdle, pollRSS, pollStats, err := b.runDevserverIdle(root, "poll", interval, window, windows, true)
	if err != nil {
		return err
	}
	evIdle, evRSS, _, err := b.runDevserverIdle(root, "events", interval, window, windows, false)
	if err != nil {
		return err
	}
	bareIdle, bareRSS, err := b.runBareIdle(root, nm, interval, window, windows)
	if err != nil {
		return err
	}
	findStats := "?"
	if s, err := traceFind(root); err == nil {
		findStats = strconv.Itoa(s)
	}
	fmt.Fprintf(&b.out, "| %d | %s | %s | %s | %s | %.2f× | %.2f× | %s | %.1f%% | %.2f%% | %.1f%% | %s | %s | %s | %s (%s) | %s |\n",
		n, ms(c.floor), ms(c.find), ms(c.bare), ms(c.poll), float64(c.poll)/float64(c.floor), float64(c.poll)/float64(c.bare),
		ms(c.radovskyb), pollIdle, evIdle, bareIdle, mib(pollRSS), mib(evRSS), mib(bareRSS), pollStats, findStats, ms(c.pollNoNM))
	return nil
}

// floorScan is the least a polling scan can do: walk, lstat each entry,
// keep nothing.
func floorScan(root, nm string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && path == nm {
			return filepath.SkipDir
		}
		_, _ = d.Info()
		return nil
	})
}

// scanCosts measures one scan of root by the floor, find(1), the bare
// library, the poll and radovskyb engines, and poll with the ignored nm
// moved out of the tree (an ignored directory must cost nothing).
func (b *bench) scanCosts(root, nm string, interval time.Duration, scans int) (scanCost, error) {
	var c scanCost
	var findTimes []time.Duration
	for range scans {
		d, err := findScan(root)
		if err != nil {
			return c, fmt.Errorf("find: %w", err)
		}
		findTimes = append(findTimes, d)
	}
	c.find = median(findTimes)
	var err error
	if c.floor, err = cpuPerScan(scans, func() error { return floorScan(root, nm) }); err != nil {
		return c, err
	}
	if c.bare, err = cpuPerScan(scans, func() error {
		w := watcher.New()
		_ = w.Ignore(nm)
		return w.AddRecursive(root)
	}); err != nil {
		return c, err
	}
	engineScan := func(mode string) (func() error, error) {
		w, err := watch.New(watch.Options{Root: root, Paths: []string{"."}, Globs: []string{"**/*"},
			Ignore: []string{".git", "node_modules"}, Interval: interval, Mode: mode})
		if err != nil {
			return nil, err
		}
		return w.Scan, w.Scan() // the first scan fills the engine's own record
	}
	for mode, into := range map[string]*time.Duration{"poll": &c.poll, "radovskyb": &c.radovskyb} {
		scan, err := engineScan(mode)
		if err != nil {
			return c, err
		}
		if *into, err = cpuPerScan(scans, scan); err != nil {
			return c, err
		}
	}
	away := filepath.Join(b.work, "node_modules.away") // out of the tree
	if err := os.Rename(nm, away); err != nil {
		return c, err
	}
	defer os.Rename(away, nm)
	scan, err := engineScan("poll")
	if err != nil {
		return c, err
	}
	c.pollNoNM, err = cpuPerScan(scans, scan)
	return c, err
}

func countFiles(root string) int {
	n := 0
	_ = filepath.WalkDir(root, func(_ string, _ os.DirEntry, _ error) error { n++; return nil })
	return n
}

func traceFind(root string) (int, error) {
	out := filepath.Join(os.TempDir(), "bench-strace-find")
	defer os.Remove(out)
	cmd := exec.Command("strace", "-f", "-qq", "-o", out, "-e", "trace=%%stat", "find", root, "-path", filepath.Join(root, "node_modules"), "-prune", "-o", "-printf", "%s\n")
	cmd.Stdout = io.Discard
	if err := cmd.Run(); err != nil {
		return 0, err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return 0, err
	}
	return bytes.Count(data, []byte("\n")), nil
}

// runDevserverIdle runs devserver serving and watching root (no app) and
// measures it.
func (b *bench) runDevserverIdle(root, mode string, interval, window time.Duration, windows int, trace bool) (float64, int64, string, error) {
	cfg := fmt.Sprintf("port: 0\nwatch:\n  mode: %s\n  interval: %s\n  ignore: [.git, node_modules]\n", mode, interval)
	if err := os.WriteFile(filepath.Join(root, "devserver.yaml"), []byte(cfg), 0o644); err != nil {
		return 0, 0, "", err
	}
	defer os.Remove(filepath.Join(root, "devserver.yaml"))
	d, err := b.start(root, nil)
	if err != nil {
		return 0, 0, "", err
	}
	defer d.Stop()
	share, err := idleCPU(d.Cmd.Process.Pid, 2*interval, window, windows)
	if err != nil {
		return 0, 0, "", err
	}
	stats := "?"
	if !trace {
		return share, peakRSS(d.Cmd.Process.Pid), stats, nil
	}
	// Under strace every call is slow: give it time for a few whole scans.
	traceWindow := max(3*time.Second, 4*interval)
	if n := countFiles(root); n > 0 {
		traceWindow += time.Duration(n) * 150 * time.Microsecond
	}
	if s, err := syscallsPerScan(d.Cmd.Process.Pid, root, traceWindow); err == nil {
		stats = fmt.Sprintf("%.0f", s)
	}
	return share, peakRSS(d.Cmd.Process.Pid), stats, nil
}

func (b *bench) runBareIdle(root, nm string, interval, window time.Duration, windows int) (float64, int64, error) {
	cmd := exec.Command(b.self, "bare", root, nm, interval.String())
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		return 0, 0, fmt.Errorf("bare watcher: %w", err)
	}
	share, err := idleCPU(cmd.Process.Pid, 2*interval, window, windows)
	return share, peakRSS(cmd.Process.Pid), err
}

// ---- running devserver

// start runs devserver in dir and waits for its banner.
func (b *bench) start(dir string, env []string) (*testkit.Devserver, error) {
	return testkit.Start(testkit.Run{Binary: b.devserver, Dir: dir, Env: env, Wait: 2 * time.Minute})
}

// startWithApp starts devserver in an app project and waits until its first
// app answers, so that no measurement counts the first start.
func (b *bench) startWithApp(dir, pidfile string) (*testkit.Devserver, error) {
	d, err := b.start(dir, nil)
	if err != nil {
		return nil, err
	}
	if err := testkit.WaitUntil(time.Minute, 5*time.Millisecond, func() bool {
		return pidCount(pidfile) == 1 && answeredBy(d.URL, lastPid(pidfile))
	}); err != nil {
		d.Stop()
		return nil, fmt.Errorf("the first app never answered: %s", d.Stderr)
	}
	return d, nil
}

// runApp makes an app project and starts devserver on it.
func (b *bench) runApp(name string, interval time.Duration, files int) (d *testkit.Devserver, dir, pidfile string, err error) {
	return b.runAppMode(name, "poll", interval, files)
}

// runAppMode is runApp with a watch mode.
func (b *bench) runAppMode(name, mode string, interval time.Duration, files int) (d *testkit.Devserver, dir, pidfile string, err error) {
	if dir, pidfile, err = b.appProject(name, mode, interval, files); err != nil {
		return nil, "", "", err
	}
	d, err = b.startWithApp(dir, pidfile)
	return d, dir, pidfile, err
}

// appProject is a project whose app is this binary as the fake app.
func (b *bench) appProject(name, mode string, interval time.Duration, files int) (dir, pidfile string, err error) {
	dir = filepath.Join(b.work, name)
	pidfile = filepath.Join(dir, "pids")
	if err := makeTree(filepath.Join(dir, "src"), files); err != nil {
		return "", "", err
	}
	cfg := fmt.Sprintf("port: 0\napp:\n  run: %q\n  env: {FAKEAPP: serve, PIDFILE: %q}\n  stop_timeout: 2s\nwatch:\n  mode: %s\n  paths: [src]\n  interval: %s\n",
		strconv.Quote(b.self), pidfile, mode, interval)
	return dir, pidfile, os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(cfg), 0o644)
}

// pidCount is how many apps have started.
func pidCount(pidfile string) int {
	pids, _ := testkit.ReadPids(pidfile)
	return len(pids)
}

// lastPid is the pid of the app started last, or "".
func lastPid(pidfile string) string {
	pids, _ := testkit.ReadPids(pidfile)
	if len(pids) == 0 {
		return ""
	}
	return strconv.Itoa(pids[len(pids)-1])
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}, Timeout: 60 * time.Second}

func answeredBy(url, pid string) bool {
	res, err := client.Get(url)
	if err != nil {
		return false
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return strings.HasSuffix(string(body), "pid="+pid)
}

// ---- 2. latency

func (b *bench) latency() error {
	runs, sizes := 20, []int{1000, 10000}
	if b.quick {
		runs, sizes = 8, []int{1000}
	}
	fmt.Fprintf(&b.out, "\n## 2. Change → restart latency (%d changes each, at random phases of the poll)\n\n", runs)
	b.out.WriteString("From writing one watched file to the new app process starting, and to a request through devserver getting the new app's answer, with the default debounce (50 ms); a change a poll finds written longer than the debounce ago goes at once. The fake app starts in about a millisecond, so this is devserver's own delay. The target for polling is interval + one scan + 50 ms (the scan: section 1's poll CPU per scan); for events, 100 ms.\n\n")
	b.out.WriteString("| mode | watched files | interval | to new process p50 | p95 | to new answer p50 | p95 | target | p95 within it | guard peak RSS |\n|---|---|---|---|---|---|---|---|---|---|\n")
	type run struct {
		mode     string
		interval time.Duration
	}
	plan := []run{{"poll", 100 * time.Millisecond}, {"poll", 500 * time.Millisecond}, {"radovskyb", 100 * time.Millisecond},
		{"radovskyb", 500 * time.Millisecond}, {"events", 500 * time.Millisecond}}
	for _, n := range sizes {
		for _, r := range plan {
			if err := b.latencyRow(r.mode, r.interval, n, runs); err != nil {
				return err
			}
		}
	}
	b.out.WriteString("\nWhere the time of those restarts goes, medians, from devserver's log (millisecond times) and the bench's clock: the watcher (write → batch: the poll's phase, the scan, the debounce), stopping the old app, starting the new one, its port accepting, and the held request's answer.\n\n")
	b.out.WriteString("| row | " + strings.Join(spanNames, " | ") + " |\n|---|" + strings.Repeat("---|", len(spanNames)) + "\n")
	for _, s := range b.spans {
		b.spanRow(s.what, s.runs)
	}
	return nil
}

// latencyRow measures one mode, interval and tree size.
func (b *bench) latencyRow(mode string, interval time.Duration, files, runs int) error {
	d, dir, pidfile, err := b.runAppMode(fmt.Sprintf("latency-%s-%d-%d", mode, interval.Milliseconds(), files), mode, interval, files)
	if err != nil {
		return err
	}
	defer d.Stop()
	guardRSS := "?"
	for _, p := range procstat.All() {
		if p.PPID == d.Cmd.Process.Pid {
			guardRSS = mib(peakRSS(p.PID))
		}
	}
	var toProc, toAnswer []time.Duration
	var spans [][]time.Duration
	for i := range runs {
		time.Sleep(time.Duration(rand.Int64N(int64(interval)))) // a random phase against the poll
		before := pidCount(pidfile)
		t0 := time.Now()
		if err := os.WriteFile(filepath.Join(dir, "src", "d0000", "f000.txt"), []byte(fmt.Sprint(i)), 0o644); err != nil {
			return err
		}
		if err := testkit.WaitUntil(30*time.Second, time.Millisecond, func() bool { return pidCount(pidfile) > before }); err != nil {
			return fmt.Errorf("latency: no restart: %s", d.Stderr)
		}
		toProc = append(toProc, time.Since(t0))
		pid := lastPid(pidfile)
		if err := testkit.WaitUntil(30*time.Second, time.Millisecond, func() bool { return answeredBy(d.URL, pid) }); err != nil {
			return fmt.Errorf("latency: new app never answered")
		}
		toAnswer = append(toAnswer, time.Since(t0))
		if sp, ok := restartSpans(d.Stderr.String(), t0, t0.Add(toAnswer[len(toAnswer)-1])); ok {
			spans = append(spans, sp)
		}
	}
	b.spans = append(b.spans, spanSet{fmt.Sprintf("%s, %d files, %s", mode, files, interval), spans})
	target := interval + b.scanTime[files] + 50*time.Millisecond
	if mode == "events" {
		target = 100 * time.Millisecond
	}
	p95 := percentile(toProc, 0.95)
	within := "yes"
	if p95 > target {
		within = "no"
	}
	shown := interval.String()
	if mode == "events" {
		shown = "–"
	}
	fmt.Fprintf(&b.out, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", mode, files, shown,
		ms(percentile(toProc, 0.5)), ms(p95), ms(percentile(toAnswer, 0.5)), ms(percentile(toAnswer, 0.95)), ms(target), within, guardRSS)
	return nil
}

// ---- 3. bursts

func (b *bench) bursts() error {
	n := 10
	if b.quick {
		n = 3
	}
	const interval = 500 * time.Millisecond
	fmt.Fprintf(&b.out, "\n## 3. Bursts: 1,000 files rewritten at once, %d times (interval %s)\n\n", n, interval)
	b.out.WriteString("The target: exactly one restart a burst, and the restart within interval + 2 scans + debounce (50 ms) of the burst's end.\n\n")
	fmt.Fprintf(&b.out, "| mode | restarts per burst | bursts with exactly 1 | from the burst's end to the new process, median (max) | target |\n|---|---|---|---|---|\n")
	for _, mode := range []string{"poll", "events", "radovskyb"} {
		if err := b.burstRow(mode, interval, n); err != nil {
			return err
		}
	}
	return nil
}

// burstRow measures n bursts under one mode.
func (b *bench) burstRow(mode string, interval time.Duration, n int) error {
	d, dir, pidfile, err := b.runAppMode("bursts-"+mode, mode, interval, 1000)
	if err != nil {
		return err
	}
	defer d.Stop()
	var restarts []int
	var times []time.Duration
	for i := range n {
		before := pidCount(pidfile)
		for j := range 1000 { // rewrite every watched file, as a git checkout does
			p := filepath.Join(dir, "src", fmt.Sprintf("d%04d", j/100), fmt.Sprintf("f%03d.txt", j%100))
			if err := os.WriteFile(p, []byte(fmt.Sprintf("burst %d\n", i)), 0o644); err != nil {
				return err
			}
		}
		end := time.Now()
		if err := testkit.WaitUntil(30*time.Second, time.Millisecond, func() bool { return pidCount(pidfile) > before }); err != nil {
			return fmt.Errorf("burst %d: no restart", i)
		}
		times = append(times, time.Since(end))
		// Settle: four more intervals; a second restart for the same burst
		// would come within two.
		time.Sleep(4 * interval)
		restarts = append(restarts, pidCount(pidfile)-before)
	}
	exact := 0
	for _, r := range restarts {
		if r == 1 {
			exact++
		}
	}
	target := interval + 2*b.scanTime[1000] + 50*time.Millisecond
	fmt.Fprintf(&b.out, "| %s | %v | %d/%d | %s (%s) | %s |\n", mode, restarts, exact, n, ms(median(times)), ms(slices.Max(times)), ms(target))
	return nil
}

// ---- 4. proxy

type loadResult struct {
	rps      float64
	p50, p99 time.Duration
	failed   int64
}

// load runs conns keep-alive clients against url for d.
func load(url string, conns int, d time.Duration) loadResult {
	var mu sync.Mutex
	var lat []time.Duration
	var failed atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			var mine []time.Duration
			for ctx.Err() == nil {
				t0 := time.Now()
				res, err := c.Get(url)
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
					}
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return loadResult{failed: failed.Load()}
	}
	return loadResult{rps: float64(len(lat)) / elapsed.Seconds(), p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), failed: failed.Load()}
}

var readyRE = regexp.MustCompile(`msg="app ready" component=app addr=(\S+)`)

func (b *bench) proxy() error {
	dur, runs := 5*time.Second, 3
	if b.quick {
		dur, runs = 2*time.Second, 1
	}
	d, _, _, err := b.runApp("proxy", 500*time.Millisecond, 10)
	if err != nil {
		return err
	}
	defer d.Stop()
	var direct string
	if err := testkit.WaitUntil(30*time.Second, 10*time.Millisecond, func() bool {
		m := readyRE.FindStringSubmatch(d.Stderr.String())
		if m != nil {
			direct = "http://" + m[1] + "/"
		}
		return m != nil
	}); err != nil {
		return errors.New("proxy: app never ready")
	}
	fmt.Fprintf(&b.out, "\n## 4. Proxy overhead (Go load generator in this process, keep-alive, %s per run, median of %d runs)\n\n", dur, runs)
	b.out.WriteString("The load generator, devserver and the app share the machine's cores, which penalises the proxied path (one more process on 2 cores).\n\n")
	b.out.WriteString("| connections | direct req/s | through devserver req/s | ratio | direct p50 / p99 | through devserver p50 / p99 | added p99 |\n|---|---|---|---|---|---|---|\n")
	for _, conns := range []int{1, 64} {
		var dir, prox []loadResult
		for range runs {
			dir = append(dir, load(direct, conns, dur))
			prox = append(prox, load(d.URL, conns, dur))
		}
		md, mp := medianLoad(dir), medianLoad(prox)
		if md.failed+mp.failed > 0 {
			return fmt.Errorf("proxy: %d failed requests", md.failed+mp.failed)
		}
		fmt.Fprintf(&b.out, "| %d | %.0f | %.0f | %.2f× | %s / %s | %s / %s | %s |\n", conns, md.rps, mp.rps, mp.rps/md.rps,
			ms(md.p50), ms(md.p99), ms(mp.p50), ms(mp.p99), ms(mp.p99-md.p99))
	}
	return nil
}

func medianLoad(rs []loadResult) loadResult {
	slices.SortFunc(rs, func(a, b loadResult) int { return cmp.Compare(a.rps, b.rps) })
	return rs[len(rs)/2]
}
