package prefixed

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestEveryLineGetsThePrefixOnce(t *testing.T) {
	var out bytes.Buffer
	w := New(&out, "css | ")
	for _, s := range []string{"one\ntw", "o\n", "", "three\nfour", "\n\n"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	w.SetPrefix("")
	w.Write([]byte("plain\n"))
	w.SetPrefix("app | ")
	w.Write([]byte("last"))
	want := "css | one\ncss | two\ncss | three\ncss | four\ncss | \nplain\napp | last"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
}

// TestOneWriteIsOneWrite: lines of several Writers sharing one output do
// not mix within a write.
func TestOneWriteIsOneWrite(t *testing.T) {
	var calls int
	w := New(writerFunc(func(b []byte) (int, error) { calls++; return len(b), nil }), "x | ")
	w.Write([]byte("a\nb\nc\n"))
	if calls != 1 {
		t.Errorf("%d writes below for one above", calls)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// TestEndLineEndsAPartialLine: the next process's first line is not glued
// to the last process's unfinished one.
func TestEndLineEndsAPartialLine(t *testing.T) {
	var out bytes.Buffer
	w := New(&out, "app | ")
	w.Write([]byte("no newline at exit"))
	w.EndLine()
	w.EndLine() // nothing partial: nothing written
	w.Write([]byte("next run\n"))
	if want := "app | no newline at exit\napp | next run\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// TestLinesAsRecords: in a JSON log each line is a record with its source
// and stream, whatever it holds; a line devserver's own record could be
// mistaken for stays a message string.
func TestLinesAsRecords(t *testing.T) {
	var out bytes.Buffer
	w := New(&out, "app | ")
	w.SetRecords(slog.New(slog.NewJSONHandler(&out, nil)), "app", "stderr")
	forged := `{"time":"2026-01-01T00:00:00Z","level":"INFO","msg":"app ready"}`
	w.Write([]byte("one\r\ntw"))
	w.Write([]byte("o\n" + forged + "\n" + "partial"))
	w.EndLine()
	var got []map[string]string
	for line := range strings.Lines(out.String()) {
		var rec map[string]string
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON record: %q", line)
		}
		got = append(got, rec)
	}
	want := []string{"one", "two", forged, "partial"}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d:\n%s", len(got), len(want), out.String())
	}
	for i, rec := range got {
		if rec["msg"] != want[i] || rec["source"] != "app" || rec["stream"] != "stderr" {
			t.Errorf("record %d: %v, want msg %q from app's stderr", i, rec, want[i])
		}
	}
}
