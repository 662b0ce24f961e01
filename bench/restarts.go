//go:build unix

package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// ---- 5. restarts under load

func (b *bench) restartsUnderLoad() error {
	restarts := 20
	if b.quick {
		restarts = 5
	}
	d, dir, pidfile, err := b.runApp("underload", 100*time.Millisecond, 100)
	if err != nil {
		return err
	}
	defer d.Stop()
	ok, failed, longest, elapsed, err := restartUnderLoad(d.URL, filepath.Join(dir, "src", "d0000", "f000.txt"), pidfile, restarts)
	if err != nil {
		return err
	}
	fmt.Fprintf(&b.out, "\n## 5. Restarts under load: %d restarts while 16 clients loop (interval 100ms)\n\n", restarts)
	fmt.Fprintf(&b.out, "| requests answered | failed | longest wait for an answer | restarts took |\n|---|---|---|---|\n")
	fmt.Fprintf(&b.out, "| %d | %d | %s | %s |\n", ok, failed, ms(longest), elapsed.Round(time.Millisecond))
	return nil
}

// restartUnderLoad writes file restarts times while 16 clients loop on
// url, each time waiting until the unit whose pids pidfile records has
// started again and answers; it returns what the clients saw and how long
// the restarts took.
func restartUnderLoad(url, file, pidfile string, restarts int) (ok, failed int64, longest, elapsed time.Duration, err error) {
	load := loopingClients(url, 16)
	t0 := time.Now()
	for i := range restarts {
		before := pidCount(pidfile)
		if err := os.WriteFile(file, []byte(fmt.Sprint(i)), 0o644); err != nil {
			load()
			return 0, 0, 0, 0, err
		}
		if err := testkit.WaitUntil(30*time.Second, time.Millisecond, func() bool { return pidCount(pidfile) > before }); err != nil {
			load()
			return 0, 0, 0, 0, fmt.Errorf("restart %d under load did not happen", i)
		}
		pid := lastPid(pidfile)
		if err := testkit.WaitUntil(30*time.Second, time.Millisecond, func() bool { return answeredBy(url, pid) }); err != nil {
			load()
			return 0, 0, 0, 0, fmt.Errorf("restart %d: the new process never answered", i)
		}
	}
	elapsed = time.Since(t0)
	ok, failed, longest = load()
	return ok, failed, longest, elapsed, nil
}

// loopingClients starts n clients that GET url over and over, each on one
// connection, and returns once every one has had its first answer. The
// function returned stops them and says how many requests were answered
// 200, how many failed, and the longest wait for an answer after the first.
//
// Waits count from when every client holds its connection: 16 clients
// connecting at once overflow a listen queue of 10 (Django's), and a
// dropped SYN is retried after a second. That is the start of the load, not
// a restart.
func loopingClients(url string, n int) func() (ok, failed int64, longest time.Duration) {
	var stop atomic.Bool
	var okN, failedN, longestN atomic.Int64
	var wg, warm sync.WaitGroup
	warm.Add(n)
	for range n {
		wg.Go(func() {
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 60 * time.Second}
			first := true
			for !stop.Load() {
				t0 := time.Now()
				res, err := c.Get(url)
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				if err != nil || res.StatusCode != http.StatusOK {
					failedN.Add(1)
					continue
				}
				okN.Add(1)
				if first {
					first = false
					warm.Done()
					continue
				}
				for took := int64(time.Since(t0)); ; {
					cur := longestN.Load()
					if took <= cur || longestN.CompareAndSwap(cur, took) {
						break
					}
				}
			}
		})
	}
	warm.Wait()
	return func() (int64, int64, time.Duration) {
		stop.Store(true)
		wg.Wait()
		return okN.Load(), failedN.Load(), time.Duration(longestN.Load())
	}
}

// ---- 6. restarts of a routed process under load

// routedRestarts restarts a process behind a route (a frontend's dev
// server on /web) while clients loop on that route: the requests are held
// as the app's are, so none fails.
func (b *bench) routedRestarts() error {
	restarts := 20
	if b.quick {
		restarts = 5
	}
	dir := filepath.Join(b.work, "routed")
	pidfile := filepath.Join(dir, "web-pids")
	if err := os.MkdirAll(filepath.Join(dir, "web"), 0o755); err != nil {
		return err
	}
	cfg := fmt.Sprintf(`port: 0
app:
  run: %[1]q
  env: {FAKEAPP: serve}
  stop_timeout: 2s
watch:
  paths: [web]
  globs: ["api/**"]
  interval: 100ms
processes:
  web:
    run: %[1]q
    env: {FAKEAPP: serve, PIDFILE: %[2]q}
    http: true
    watch: ["web/**"]
routes:
  /web: web
`, strconv.Quote(b.self), pidfile)
	if err := os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(cfg), 0o644); err != nil {
		return err
	}
	d, err := b.start(dir, nil)
	if err != nil {
		return err
	}
	defer d.Stop()
	url := d.URL + "web/"
	if err := testkit.WaitUntil(time.Minute, 5*time.Millisecond, func() bool { return answeredBy(url, lastPid(pidfile)) }); err != nil {
		return fmt.Errorf("the routed process never answered: %s", d.Stderr)
	}
	ok, failed, longest, elapsed, err := restartUnderLoad(url, filepath.Join(dir, "web", "app.js"), pidfile, restarts)
	if err != nil {
		return err
	}
	fmt.Fprintf(&b.out, "\n## 6. Restarts of a routed process under load: %d restarts of `web` (route /web) while 16 clients loop on it\n\n", restarts)
	fmt.Fprintf(&b.out, "| requests answered | failed | longest wait for an answer | restarts took |\n|---|---|---|---|\n")
	fmt.Fprintf(&b.out, "| %d | %d | %s | %s |\n", ok, failed, ms(longest), elapsed.Round(time.Millisecond))
	return nil
}
