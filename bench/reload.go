//go:build unix

package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ---- 7. edits that need no restart

// reloadOnly measures, from a save to the open page's reload signal, an
// edit under watch.reload (a template the app reads at each request)
// against the same edit of the app's code (a restart), in one project.
func (b *bench) reloadOnly() error {
	runs := 20
	if b.quick {
		runs = 8
	}
	const interval = 100 * time.Millisecond
	fmt.Fprintf(&b.out, "\n## 7. Edits that need no restart (%d saves each, interval %s)\n\n", runs, interval)
	b.out.WriteString("From writing a file to the reload signal an open page gets on its live-reload stream. A template under `watch.reload` reloads the page at once; a code file restarts the app first and reloads the page once it is ready. The fake app starts in about a millisecond: with a framework that takes seconds to start (Django about 2 s), the restart's row grows by that much and the template's does not.\n\n")
	b.out.WriteString("| edit | to the page's reload p50 | p95 | ratio to the restart (p50) |\n|---|---|---|---|\n")
	dir, pidfile, err := b.reloadProject(interval)
	if err != nil {
		return err
	}
	d, err := b.startWithApp(dir, pidfile)
	if err != nil {
		return err
	}
	defer d.Stop()
	events, closeEvents, err := reloadEvents(d.URL)
	if err != nil {
		return err
	}
	defer closeEvents()
	times := map[string][]time.Duration{}
	for i := range runs * 2 {
		file := []string{"src/app.txt", "templates/a.html"}[i%2]
		time.Sleep(interval + time.Duration(rand.Int64N(int64(interval)))) // a random phase against the poll
		t0 := time.Now()
		if err := os.WriteFile(filepath.Join(dir, file), []byte(strconv.Itoa(i)), 0o644); err != nil {
			return err
		}
		select {
		case <-events:
			times[file] = append(times[file], time.Since(t0))
		case <-time.After(30 * time.Second):
			return fmt.Errorf("reload: no reload signal for %s: %s", file, d.Stderr)
		}
	}
	restart := percentile(times["src/app.txt"], 0.5)
	for _, row := range []struct{ what, file string }{{"code (restart, then reload)", "src/app.txt"}, {"template under watch.reload", "templates/a.html"}} {
		p50 := percentile(times[row.file], 0.5)
		fmt.Fprintf(&b.out, "| %s | %s | %s | %.2f |\n", row.what, ms(p50), ms(percentile(times[row.file], 0.95)), float64(p50)/float64(restart))
	}
	return nil
}

// reloadEvents follows the live-reload stream an open page of url gets:
// the name of each event but the first hello, until closed.
func reloadEvents(url string) (<-chan string, func(), error) {
	res, err := http.Get(url + "__devserver/livereload")
	if err != nil {
		return nil, nil, err
	}
	events := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok && name != "hello" {
				events <- name
			}
		}
	}()
	return events, func() { res.Body.Close() }, nil
}

// reloadProject is section 7's project: an app whose code is src/ and
// whose templates, under watch.reload, are templates/.
func (b *bench) reloadProject(interval time.Duration) (dir, pidfile string, err error) {
	dir = filepath.Join(b.work, "reload")
	pidfile = filepath.Join(dir, "pids")
	for _, f := range []string{"src/app.txt", "templates/a.html"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			return "", "", err
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte("0"), 0o644); err != nil {
			return "", "", err
		}
	}
	cfg := fmt.Sprintf("port: 0\nlivereload: true\napp:\n  run: %q\n  env: {FAKEAPP: serve, PIDFILE: %q}\n  stop_timeout: 2s\nwatch:\n  paths: [src, templates]\n  interval: %s\n  reload: [\"templates/**\"]\n",
		strconv.Quote(b.self), pidfile, interval)
	return dir, pidfile, os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(cfg), 0o644)
}
