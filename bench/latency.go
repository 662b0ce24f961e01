//go:build unix

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/devserver/devserver/internal/procstat"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// ---- 2. latency

func (b *bench) latency() error {
	runs, sizes := 20, []int{1000, 10000}
	if b.quick {
		runs, sizes = 8, []int{1000}
	}
	fmt.Fprintf(&b.out, "\n## 2. Change → restart latency (%d changes each, at random phases of the poll)\n\n", runs)
	b.out.WriteString("From writing one watched file to the new app process starting, and to a request through devserver getting the new app's answer, with the default debounce (50 ms); a change a poll finds written longer than the debounce ago goes at once. The fake app starts in about a millisecond, so this is devserver's own delay. The target for polling is interval + one scan + 50 ms (the scan: section 1's poll CPU per scan); for events, 100 ms.\n\n")
	b.out.WriteString("| mode | watched files | interval | to new process p50 | p95 | to new answer p50 | p95 | target | p95 within it | guard peak RSS (its own pages) |\n|---|---|---|---|---|---|---|---|---|---|\n")
	type run struct {
		mode     string
		interval time.Duration
	}
	plan := []run{{"poll", 100 * time.Millisecond}, {"poll", 500 * time.Millisecond}, {"radovskyb", 100 * time.Millisecond},
		{"radovskyb", 500 * time.Millisecond}, {"events", 500 * time.Millisecond}}
	var ratios []string
	for _, n := range sizes {
		var events, poll100 time.Duration
		for _, r := range plan {
			p95, err := b.latencyRow(r.mode, r.interval, n, runs)
			if err != nil {
				return err
			}
			switch {
			case r.mode == "events":
				events = p95
			case r.mode == "poll" && r.interval == 100*time.Millisecond:
				poll100 = p95
			}
		}
		bare, err := b.bareLoopRow(n, runs, 100*time.Millisecond)
		if err != nil {
			return err
		}
		ratios = append(ratios, fmt.Sprintf("poll 100ms p95 ÷ bare loop p95 %.2f× at %d files", float64(poll100)/float64(bare), n))
		entr, err := b.entrRow(n, runs)
		if err != nil {
			return err
		}
		if entr > 0 {
			ratios = append(ratios, fmt.Sprintf("events p95 ÷ entr p95 %.2f× at %d files", float64(events)/float64(entr), n))
		}
	}
	fmt.Fprintf(&b.out, "\nThe references, to a new process: entr is `find src | entr -nr`, the bare radovskyb loop restarts on the library's first event (no batching, debounce or readiness); both restart a shell that records its pid. %s.\n", strings.Join(ratios, "; "))
	b.out.WriteString("\nWhere the time of those restarts goes, medians, from devserver's log (millisecond times) and the bench's clock: the watcher (write → batch: the poll's phase, the scan, the debounce), stopping the old app, starting the new one, its port accepting, and the held request's answer.\n\n")
	b.out.WriteString("| row | " + strings.Join(spanNames, " | ") + " |\n|---|" + strings.Repeat("---|", len(spanNames)) + "\n")
	for _, s := range b.spans {
		b.spanRow(s.what, s.runs)
	}
	return nil
}

// latencyRow measures one mode, interval and tree size.
func (b *bench) latencyRow(mode string, interval time.Duration, files, runs int) (time.Duration, error) {
	d, dir, pidfile, err := b.runAppMode(fmt.Sprintf("latency-%s-%d-%d", mode, interval.Milliseconds(), files), mode, interval, files)
	if err != nil {
		return 0, err
	}
	defer d.Stop()
	guardRSS := "?"
	for _, p := range procstat.All() {
		if p.PPID == d.Cmd.Process.Pid {
			guardRSS = mib(peakRSS(p.PID)) + " (" + mib(privateKB(p.PID)) + ")"
		}
	}
	var toProc, toAnswer []time.Duration
	var spans [][]time.Duration
	for i := range runs {
		time.Sleep(time.Duration(rand.Int64N(int64(interval)))) // a random phase against the poll
		before := pidCount(pidfile)
		t0 := time.Now()
		if err := os.WriteFile(filepath.Join(dir, "src", "d0000", "f000.txt"), []byte(fmt.Sprint(i)), 0o644); err != nil {
			return 0, err
		}
		if err := testkit.WaitUntil(30*time.Second, time.Millisecond, func() bool { return pidCount(pidfile) > before }); err != nil {
			return 0, fmt.Errorf("latency: no restart: %s", d.Stderr)
		}
		toProc = append(toProc, time.Since(t0))
		pid := lastPid(pidfile)
		if err := testkit.WaitUntil(30*time.Second, time.Millisecond, func() bool { return answeredBy(d.URL, pid) }); err != nil {
			return 0, fmt.Errorf("latency: new app never answered")
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
	return p95, nil
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
