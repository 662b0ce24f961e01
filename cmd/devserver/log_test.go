//go:build unix

package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testkit"
)

// TestTheLogIsOneFormat: in the human log (the default), every line of
// devserver's log, of the request log and of the app's output starts with
// the time and the source's column, aligned.
func TestTheLogIsOneFormat(t *testing.T) {
	dir, pidfile := reloadProject(t, "serve")
	d := startDevserver(t, dir, []string{"DEVSERVER_LOG_FORMAT=human"})
	pidServing(t, d.URL)
	testkit.WriteFile(t, filepath.Join(dir, "src", "main.go"), "package main // changed\n")
	testkit.WaitFor(t, 20*time.Second, "the restart", func() bool { return len(testkit.Pids(t, pidfile)) == 2 })
	pidServing(t, d.URL)
	if code := interrupt(t, d); code != 0 {
		t.Errorf("exit code %d", code)
	}
	line := regexp.MustCompile(`^\d\d:\d\d:\d\d (devserver |app       |http      ) \S`)
	for _, l := range strings.Split(strings.TrimSuffix(d.Stderr.String(), "\n"), "\n") {
		if !line.MatchString(l) {
			t.Errorf("a log line out of the format: %q", l)
		}
	}
	for _, want := range []string{" http       \"GET / HTTP/1.1\" 200 ", " app        started  pid=", " devserver  files changed  files=src/main.go"} {
		if !strings.Contains(d.Stderr.String(), want) {
			t.Errorf("the log has no %q:\n%s", want, d.Stderr)
		}
	}
	_, output, _ := strings.Cut(d.Stdout.String(), "CONTROL-C.\n\n")
	for _, l := range strings.Split(strings.TrimSuffix(output, "\n"), "\n") {
		if !regexp.MustCompile(`^\d\d:\d\d:\d\d app        │ fake app listening$`).MatchString(l) {
			t.Errorf("an output line of the app out of the format: %q", l)
		}
	}
}

// TestTheLogInJSON: --log-format json gives one JSON object a line, the
// request log included.
func TestTheLogInJSON(t *testing.T) {
	dir, _ := reloadProject(t, "serve")
	d := startDevserver(t, dir, nil, "--log-format", "json")
	pidServing(t, d.URL)
	interrupt(t, d)
	var requests int
	for _, l := range strings.Split(strings.TrimSuffix(d.Stderr.String(), "\n"), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("not a JSON line: %q", l)
			continue
		}
		if rec["msg"] == "request" && rec["component"] == "http" && rec["target"] == "/" && rec["status"] == float64(200) {
			requests++
		}
	}
	if requests != 1 {
		t.Errorf("%d request records for the one request:\n%s", requests, d.Stderr)
	}
}
