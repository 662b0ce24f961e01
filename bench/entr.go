//go:build unix

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// entrRow measures entr(1), the reference for native events: `find src |
// entr -nr` restarting a process that records its pid, the same change
// written at random moments as in latencyRow. It returns the p95, or 0
// (and writes a row saying why) when entr is not installed.
func (b *bench) entrRow(files, runs int) (time.Duration, error) {
	if _, err := exec.LookPath("entr"); err != nil {
		fmt.Fprintf(&b.out, "| entr | %d | – | not installed (apt-get install entr) | | | | | | |\n", files)
		return 0, nil
	}
	dir := filepath.Join(b.work, fmt.Sprintf("entr-%d", files))
	defer os.RemoveAll(dir)
	if err := makeTree(filepath.Join(dir, "src"), files); err != nil {
		return 0, err
	}
	pidfile := filepath.Join(dir, "pids")
	cmd := exec.Command("sh", "-c", fmt.Sprintf(`find src -type f | exec entr -nr sh -c 'echo $$ >> %s; exec sleep 3600'`, pidfile))
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logFile := filepath.Join(dir, "entr.log") // a file, not a pipe: entr's child would hold a pipe open
	log, err := os.Create(logFile)
	if err != nil {
		return 0, err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		pids, _ := testkit.ReadPids(pidfile) // entr runs its child in a group of its own
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = cmd.Wait()
	}()
	out := func() string { b, _ := os.ReadFile(logFile); return string(b) }
	if err := testkit.WaitUntil(time.Minute, 5*time.Millisecond, func() bool { return pidCount(pidfile) == 1 }); err != nil {
		return 0, fmt.Errorf("entr never ran its command: %s", out())
	}
	if err := warmUp(dir, pidfile); err != nil {
		return 0, fmt.Errorf("entr: %w: %s", err, out())
	}
	// Spaced out: entr drops a change that comes while it restarts its
	// command (seen at 50 ms apart), which would be no latency.
	toProc, err := timeRestarts(dir, pidfile, runs, 300*time.Millisecond, 100*time.Millisecond)
	if err != nil {
		return 0, fmt.Errorf("entr: %w: %s", err, out())
	}
	p95 := percentile(toProc, 0.95)
	fmt.Fprintf(&b.out, "| entr | %d | – | %s | %s | – | – | – | – | – |\n", files, ms(percentile(toProc, 0.5)), ms(p95))
	return p95, nil
}

// warmUp changes the measured file until a restart shows that the tool
// watches it: entr may run its command before its watches are all set,
// and the bare loop before its library's first walk.
func warmUp(dir, pidfile string) error {
	warm := func() bool {
		before := pidCount(pidfile)
		_ = os.WriteFile(filepath.Join(dir, "src", "d0000", "f000.txt"), []byte("warm"), 0o644)
		return testkit.WaitUntil(time.Second, time.Millisecond, func() bool { return pidCount(pidfile) > before }) == nil
	}
	if testkit.WaitUntil(time.Minute, 0, warm) != nil {
		return fmt.Errorf("no restart for a minute of changes")
	}
	return nil
}

// timeRestarts writes the measured file runs times, each after a pause of
// at least least and a random part of spread (a random phase against a
// poll), and returns how long each took to a new process in pidfile.
func timeRestarts(dir, pidfile string, runs int, least, spread time.Duration) ([]time.Duration, error) {
	var out []time.Duration
	for i := range runs {
		time.Sleep(least + time.Duration(rand.Int64N(int64(spread))))
		before := pidCount(pidfile)
		t0 := time.Now()
		if err := os.WriteFile(filepath.Join(dir, "src", "d0000", "f000.txt"), []byte(fmt.Sprint(i)), 0o644); err != nil {
			return nil, err
		}
		if err := testkit.WaitUntil(30*time.Second, time.Millisecond, func() bool { return pidCount(pidfile) > before }); err != nil {
			return nil, fmt.Errorf("no restart")
		}
		out = append(out, time.Since(t0))
	}
	return out, nil
}
