//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/devserver/devserver/reload/watch"
	"github.com/radovskyb/watcher"
)

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
	b.out.WriteString("CPU per scan is the median of in-process scans (rusage). The floor is a bare `filepath.WalkDir` with one `lstat` per entry that keeps nothing, node_modules pruned; `find(1)` does the same in C. \"poll\" is devserver's own scanner (the default), \"radovskyb\" the engine over radovskyb/watcher (what devserver polled with before), \"bare\" that library used naively. Idle CPU and peak RSS are of the running process (/proc) over the whole window, medians of the windows; ÷ floor is against the floor walk run once an interval (its CPU per scan ÷ the interval); \"outside the project\" watches the same tree as a watch path outside the project's root; devserver runs without an app here (the guard's RSS is in section 2); stat calls per scan come from strace.\n\n")
	b.out.WriteString("| watched files | floor CPU/scan | find(1) | bare library | poll | poll ÷ floor | poll ÷ bare | radovskyb engine | poll idle CPU (÷ floor) | poll idle CPU, tree outside the project (÷ floor) | events idle CPU | bare idle CPU | poll peak RSS | events peak RSS | bare peak RSS | stat calls/scan poll (find) | poll without node_modules |\n")
	b.out.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
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
	outIdle, err := b.runOutsideIdle(root, interval, window, windows)
	if err != nil {
		return err
	}
	floorIdle := 100 * float64(c.floor) / float64(interval) // the floor walk, once an interval
	bareIdle, bareRSS, err := b.runBareIdle(root, nm, interval, window, windows)
	if err != nil {
		return err
	}
	findStats := "?"
	if s, err := traceFind(root); err == nil {
		findStats = strconv.Itoa(s)
	}
	fmt.Fprintf(&b.out, "| %d | %s | %s | %s | %s | %.2f× | %.2f× | %s | %.1f%% (%.2f×) | %.1f%% (%.2f×) | %.2f%% | %.1f%% | %s | %s | %s | %s (%s) | %s |\n",
		n, ms(c.floor), ms(c.find), ms(c.bare), ms(c.poll), float64(c.poll)/float64(c.floor), float64(c.poll)/float64(c.bare),
		ms(c.radovskyb), pollIdle, pollIdle/floorIdle, outIdle, outIdle/floorIdle, evIdle, bareIdle, mib(pollRSS), mib(evRSS), mib(bareRSS), pollStats, findStats, ms(c.pollNoNM))
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

// runOutsideIdle runs devserver in a project of its own that watches root
// as a watch path outside it (a monorepo's sibling, a share), polling,
// and measures its idle CPU.
func (b *bench) runOutsideIdle(root string, interval, window time.Duration, windows int) (float64, error) {
	project, err := os.MkdirTemp(b.work, "outside")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(project)
	cfg := fmt.Sprintf("port: 0\nwatch:\n  mode: poll\n  interval: %s\n  paths: [%q]\n  ignore: [.git, node_modules]\n", interval, root)
	if err := os.WriteFile(filepath.Join(project, "devserver.yaml"), []byte(cfg), 0o644); err != nil {
		return 0, err
	}
	d, err := b.start(project, nil)
	if err != nil {
		return 0, err
	}
	defer d.Stop()
	return idleCPU(d.Cmd.Process.Pid, 2*interval, window, windows)
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
