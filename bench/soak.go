//go:build unix

package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devserver/devserver/internal/procstat"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// soak is `go run ./bench soak [-write] [-for 10m] [-change 10s] [-config 1m]
// [-rps 20]` (LOAD-05): devserver runs an app while a source file changes
// every -change, the config every -config, and clients send -rps requests a
// second. It samples devserver's open files, threads, memory and the app's
// processes after each change, checks that every change gave exactly one
// restart and that no request failed, and reports whether anything grew.
// The nightly run is -for 8h; `make soak` runs 10 minutes.
func soak(args []string) int {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	total := fs.Duration("for", 10*time.Minute, "how long")
	every := fs.Duration("change", 10*time.Second, "a source change this often")
	cfgEvery := fs.Duration("config", time.Minute, "a config change this often")
	rps := fs.Int("rps", 20, "requests a second")
	write := fs.Bool("write", false, "write the report into docs/BENCHMARKS.md")
	if fs.Parse(args) != nil {
		return 2
	}
	b := &bench{}
	if err := b.prepare(); err != nil {
		fmt.Fprintln(os.Stderr, "bench soak:", err)
		return 1
	}
	defer os.RemoveAll(b.work)
	report, err := b.soak(*total, *every, *cfgEvery, *rps)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench soak:", err)
		return 1
	}
	fmt.Print(report)
	if *write {
		if err := writeSection("docs/BENCHMARKS.md", "soak", report); err != nil {
			fmt.Fprintln(os.Stderr, "bench soak:", err)
			return 1
		}
	}
	return 0
}

// sample is what a soak watches of devserver and its app.
type sample struct {
	at               time.Duration
	fds, threads     int
	rssKB            int64
	appProcs, starts int
}

func takeSample(pid int, since time.Time, pidfile string) sample {
	s := sample{at: time.Since(since).Round(time.Second), starts: pidCount(pidfile)}
	if fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		s.fds = len(fds)
	}
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for line := range strings.SplitSeq(string(status), "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && f[0] == "Threads:" {
				s.threads, _ = strconv.Atoi(f[1])
			}
			if len(f) >= 2 && f[0] == "VmRSS:" {
				s.rssKB, _ = strconv.ParseInt(f[1], 10, 64)
			}
		}
	}
	for _, p := range procstat.All() {
		if p.PID != pid && p.Live() && procstat.Descends(p.PID, -1, pid) {
			s.appProcs++
		}
	}
	return s
}

func (b *bench) soak(total, every, cfgEvery time.Duration, rps int) (string, error) {
	dir, pidfile, err := b.appProject("soak", "poll", 200*time.Millisecond, 100)
	if err != nil {
		return "", err
	}
	d, err := b.startWithApp(dir, pidfile)
	if err != nil {
		return "", err
	}
	defer d.Stop()
	pid := d.Cmd.Process.Pid
	cfgPath := filepath.Join(dir, "devserver.yaml")
	orig, err := os.ReadFile(cfgPath)
	if err != nil {
		return "", err
	}

	endLoad := steadyLoad(d.URL, rps)
	start := time.Now()
	var samples []sample
	changes, cfgChanges, missed := 0, 0, 0
	nextCfg := start.Add(cfgEvery)
	for time.Since(start) < total {
		time.Sleep(every)
		before := pidCount(pidfile)
		if time.Now().After(nextCfg) {
			cfgChanges++
			nextCfg = nextCfg.Add(cfgEvery)
			gen := fmt.Sprintf("GEN: %q", strconv.Itoa(cfgChanges))
			content := strings.Replace(string(orig), "env: {", "env: {"+gen+", ", 1)
			if err := saveAtomic(cfgPath, content); err != nil {
				return "", err
			}
		} else {
			changes++
			if err := os.WriteFile(filepath.Join(dir, "src", "d0000", "f000.txt"), []byte(strconv.Itoa(changes)), 0o644); err != nil {
				return "", err
			}
		}
		// Exactly one restart: the next app answers, and no other follows.
		if err := testkit.WaitUntil(time.Minute, 10*time.Millisecond, func() bool {
			return pidCount(pidfile) == before+1 && answeredBy(d.URL, lastPid(pidfile))
		}); err != nil || pidCount(pidfile) != before+1 {
			missed++
		}
		samples = append(samples, takeSample(pid, start, pidfile))
	}
	sent, failed := endLoad()
	return soakReport(soakRun{total, every, cfgEvery, rps, changes, cfgChanges, missed, sent, failed}, samples), nil
}

// soakRun is what a soak did.
type soakRun struct {
	total, every, cfgEvery      time.Duration
	rps                         int
	changes, cfgChanges, missed int
	sent, failed                int64
}

// steadyLoad sends GET url rps times a second, each in its own goroutine,
// until the returned function is called; that returns how many were sent
// and how many failed or did not answer 200.
func steadyLoad(url string, rps int) func() (sent, failed int64) {
	var sentN, failedN atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Second / time.Duration(rps))
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			wg.Go(func() {
				sentN.Add(1)
				res, err := client.Get(url)
				if err != nil {
					failedN.Add(1)
					return
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					failedN.Add(1)
				}
			})
		}
	})
	return func() (int64, int64) {
		close(stop)
		wg.Wait()
		return sentN.Load(), failedN.Load()
	}
}

// soakReport is the soak's section of docs/BENCHMARKS.md.
func soakReport(run soakRun, samples []sample) string {
	total, every, cfgEvery, rps := run.total, run.every, run.cfgEvery, run.rps
	changes, cfgChanges, missed := run.changes, run.cfgChanges, run.missed
	var r strings.Builder
	fmt.Fprintf(&r, "Soak (LOAD-05): %s; a source change every %s, a config change every %s, %d requests a second. Command: `go run ./bench soak -for %s -change %s -config %s -rps %d`.\n\n",
		total, every, cfgEvery, rps, total, every, cfgEvery, rps)
	fmt.Fprintf(&r, "| | changes | config changes | without exactly one restart | requests | failed |\n|---|---|---|---|---|---|\n")
	fmt.Fprintf(&r, "| | %d | %d | %d | %d | %d |\n\n", changes, cfgChanges, missed, run.sent, run.failed)
	fmt.Fprintf(&r, "| after | open files | threads | RSS | app processes | app starts |\n|---|---|---|---|---|---|\n")
	if len(samples) == 0 {
		return r.String()
	}
	shown := []sample{samples[0], samples[len(samples)/2], samples[len(samples)-1]}
	for _, s := range shown {
		fmt.Fprintf(&r, "| %s | %d | %d | %s | %d | %d |\n", s.at, s.fds, s.threads, mib(s.rssKB), s.appProcs, s.starts)
	}
	first, last := samples[0], samples[len(samples)-1]
	fmt.Fprintf(&r, "\nFrom the first change to the last: open files %+d, threads %+d, RSS %+.1f MiB, app processes %+d.\n",
		last.fds-first.fds, last.threads-first.threads, float64(last.rssKB-first.rssKB)/1024, last.appProcs-first.appProcs)
	return r.String()
}

// saveAtomic replaces path as editors do: a new file renamed over it.
func saveAtomic(path, content string) error {
	tmp := path + ".tmp~"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
