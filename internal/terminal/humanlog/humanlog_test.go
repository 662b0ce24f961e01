package humanlog

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestLinesAreAligned: every line starts with the time and the source's
// column, whatever logged it; the source's name is not said twice; warnings
// and errors say so; attributes follow unquoted unless they must be.
func TestLinesAreAligned(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(New(&out, false))
	log.Info("watching", "files", 42, "how", "polling")
	app := log.With("component", "app")
	app.Info("app started", "pid", 4711)
	app.Warn("app exited", "status", "exit status 1")
	log.Error("config error: devserver.yaml:3:1: port: bad", "file", "")
	log.Info("files changed", "component", "worker", "files", "a b.py")
	want := []string{
		`^\d\d:\d\d:\d\d devserver  watching  files=42  how=polling$`,
		`^\d\d:\d\d:\d\d app        started  pid=4711$`,
		`^\d\d:\d\d:\d\d app        warning: exited  status="exit status 1"$`,
		`^\d\d:\d\d:\d\d devserver  error: config error: devserver.yaml:3:1: port: bad  file=""$`,
		`^\d\d:\d\d:\d\d worker     files changed  files="a b.py"$`,
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d: %q does not match %s", i+1, lines[i], re)
		}
	}
}

// TestColoursKeepTheColumns: with colour, each source keeps its colour and
// the text after the escapes is the same as without.
func TestColoursKeepTheColumns(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 4, 5, 0, time.Local)
	plain := Stamp(at, "worker", false)
	coloured := Stamp(at, "worker", true)
	if stripped := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(coloured, ""); stripped != plain {
		t.Errorf("coloured stamp %q is %q without escapes, want %q", coloured, stripped, plain)
	}
	if plain != "12:04:05 worker     " {
		t.Errorf("stamp %q", plain)
	}
	if Color("worker") != Color("worker") || Color("app") == Color("devserver") {
		t.Error("a source's colour is not its own")
	}
}

// TestWhatCameFromAFileIsEscaped: a file name or a key from a file that
// holds escape sequences reaches the terminal as text.
func TestWhatCameFromAFileIsEscaped(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(New(&out, false))
	log.Info("files changed", "files", "src/\x1b]52;c;ZXZpbA==\x07.go")
	log.Warn("process \x1b[2Jw not started", "process", "w\x1b[31m")
	if strings.ContainsRune(out.String(), 0x1b) || strings.Contains(out.String(), "\x07") {
		t.Errorf("raw control characters reached the log: %q", out.String())
	}
	for _, want := range []string{`files="src/\x1b]52;c;ZXZpbA==\a.go"`, `process \x1b[2Jw not started`, `process="w\x1b[31m"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the log has no %s:\n%s", want, out.String())
		}
	}
}
