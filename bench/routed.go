//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/devserver/devserver/internal/testkit"
)

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
