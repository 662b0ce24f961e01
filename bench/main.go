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
	"errors"
	"flag"
	"fmt"
	"io"
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
	"syscall"
	"time"

	"github.com/devserver/devserver/internal/testrig/fakeapp"
	"github.com/devserver/devserver/internal/testrig/testkit"
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
	if len(os.Args) == 5 && os.Args[1] == "bareloop" {
		os.Exit(bareLoop(os.Args[2:]))
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
	}{{"poll", b.pollCost}, {"latency", b.latency}, {"e2e", b.endToEnd}, {"bursts", b.bursts}, {"proxy", b.proxy},
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

// privateKB is what only pid holds, in kB (smaps_rollup's Private_Clean
// and Private_Dirty): for the guard, what it adds to devserver, whose
// binary it maps from the same file (RSS counts those pages in both).
func privateKB(pid int) int64 {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	var n int64
	for _, m := range regexp.MustCompile(`Private_(?:Clean|Dirty):\s*(\d+)`).FindAllSubmatch(data, -1) {
		kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
		n += kb
	}
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
