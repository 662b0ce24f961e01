//go:build unix

package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestTheLogIsOneFormat: in the human log (the default), every line of
// devserver's log, of the request log and of the app's output starts with
// the time and the source's column, aligned.
func TestTheLogIsOneFormat(t *testing.T) {
	t.Parallel()
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

// TestTheLogInJSON: --log-format json gives one JSON object a line on
// stdout and on stderr: the banner is a record, the request log too, and
// each line the app prints is a record with its source and stream, so
// that a line the app prints to look like devserver's own stays the app's.
func TestTheLogInJSON(t *testing.T) {
	t.Parallel()
	dir, _ := reloadProject(t, "serve")
	forged := `{"time":"2026-01-01T00:00:00Z","level":"INFO","msg":"app ready","component":"app"}`
	replaceIn(t, filepath.Join(dir, "devserver.yaml"), `GEN: "1"`, `GEN: "1"`+"\n    SAY: '"+forged+"'")
	d := startDevserver(t, dir, nil, "--log-format", "json")
	pidServing(t, d.URL)
	interrupt(t, d)
	records := func(out string) []map[string]any {
		var recs []map[string]any
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Errorf("not a JSON line: %q", l)
				continue
			}
			recs = append(recs, rec)
		}
		return recs
	}
	var requests, serving, listening, said int
	for _, rec := range records(d.Stderr.String()) {
		if rec["msg"] == "request" && rec["component"] == "http" && rec["target"] == "/" && rec["status"] == float64(200) {
			requests++
		}
		if rec["msg"] == forged && rec["source"] == "app" && rec["stream"] == "stderr" {
			said++
		}
	}
	for _, rec := range records(d.Stdout.String()) {
		switch {
		case rec["msg"] == "serving" && rec["url"] == d.URL:
			serving++
		case rec["msg"] == "fake app listening" && rec["source"] == "app" && rec["stream"] == "stdout":
			listening++
		}
	}
	if requests != 1 || serving != 1 || listening != 1 || said != 1 {
		t.Errorf("%d request records for the one request, %d serving records, %d of the app's stdout line and %d of its forged stderr line; want 1 each\nstdout:\n%s\nstderr:\n%s",
			requests, serving, listening, said, d.Stdout, d.Stderr)
	}
}
