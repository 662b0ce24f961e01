package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// aliasBomb is the red team's file: each level's mapping names the one
// below twice, so 30 levels of 30 bytes stand for 2^30 values.
func aliasBomb(levels int) string {
	var b strings.Builder
	b.WriteString("b0: &b0 {x: 1, y: 2}\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "b%d: &b%d {p: *b%d, q: *b%d}\n", i, i, i-1, i-1)
	}
	return b.String()
}

// TestHostileFilesAreRefusedCheaply: files built to make a parser expand,
// nest or read without end are refused with an error that names the file
// (and, where the parse got that far, the line and column) at a small cost.
// Each would take devserver down or hang it for minutes without the bounds.
func TestHostileFilesAreRefusedCheaply(t *testing.T) {
	deepBlock := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(strings.Repeat(" ", i) + "a:\n")
		}
		return b.String()
	}
	cases := []struct {
		name, file, content string
		line, col           int
		msg                 string
	}{
		{name: "alias bomb", file: "devserver.yaml", content: aliasBomb(30), line: 11, col: 15,
			msg: "alias *b9: the file expands to more than 10000 keys and values"},
		{name: "aliases in a list", file: "devserver.yaml",
			content: "a: &a [" + strings.Repeat("x,", 99) + "x]\nb: &b [" + strings.Repeat("*a,", 99) + "*a]\nwatch: {globs: [*b, *b]}\n",
			line:    2, col: 299, msg: "alias *a: the file expands to more than 10000"},
		{name: "alias in its own value", file: "devserver.yaml", content: "a: &a\n  b: *a\n",
			line: 2, col: 6, msg: "alias *a is used inside the value it names"},
		{name: "deep block nesting", file: "devserver.yaml", content: deepBlock(1000), line: 16, col: 16,
			msg: "nested more than 16 levels deep"},
		{name: "deep flow nesting", file: "devserver.yaml", content: "a: " + strings.Repeat("[", 200_000),
			msg: "nested more than 16 levels deep"},
		{name: "deep flow nesting under yaml.v3's limit", file: "devserver.yaml",
			content: "a: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n", line: 1, col: 19,
			msg: "nested more than 16 levels deep"},
		{name: "a long list", file: "devserver.yaml", content: "watch:\n  globs: [" + strings.Repeat("x,", 20_000) + "x]\n",
			line: 2, col: 20001, msg: "the file holds more than 10000 keys and values"},
		{name: "dotted TOML key", file: "devserver.toml", content: strings.Repeat("a.", 3000) + "b = 1\n", line: 1, col: 6005,
			msg: "nested more than 16 levels deep"},
		{name: "TOML table header", file: "devserver.toml", content: "[" + strings.Repeat("a.", 3000) + "b]\nc = 1\n", line: 1, col: 1,
			msg: "nested more than 16 levels deep"},
		{name: "TOML inline tables", file: "devserver.toml", content: "a = " + strings.Repeat("{b = ", 100) + "1" + strings.Repeat("}", 100) + "\n",
			line: 1, col: 85, msg: "nested more than 16 levels deep"},
		{name: "TOML arrays past go-toml's limit", file: "devserver.toml", content: "a = " + strings.Repeat("[", 20_000),
			line: 1, col: 10005, msg: "nested more than 16 levels deep"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := write(t, map[string]string{tc.file: tc.content})
			start := time.Now()
			_, err := Load(Options{Dir: dir})
			took := time.Since(start)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Load = %v, want a *config.Error", err)
			}
			if e.File != tc.file || e.Line != tc.line || e.Col != tc.col || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("got %q (line %d col %d), want %s:%d:%d: …%s…", err, e.Line, e.Col, tc.file, tc.line, tc.col, tc.msg)
			}
			t.Logf("refused in %s: %v", took.Round(time.Millisecond), err)
		})
	}
}

// TestAShortAliasChainStillWorks: anchors and aliases are fine within the
// bounds; profiles commonly share a mapping this way.
func TestAShortAliasChainStillWorks(t *testing.T) {
	dir := write(t, map[string]string{"devserver.yaml": `common: &env
  NODE_ENV: development
app:
  run: node server.js
  env: *env
profiles:
  lan:
    app: {env: *env}
`})
	_, err := Load(Options{Dir: dir})
	// "common" is not a key; the aliases themselves must not be the problem.
	if err == nil || !strings.Contains(err.Error(), "common: unknown key") || strings.Contains(err.Error(), "alias") {
		t.Fatalf("Load = %v, want only the unknown key", err)
	}
	dir = write(t, map[string]string{"devserver.yaml": "x-env: &env {NODE_ENV: development}\n"})
	if _, err := Load(Options{Dir: dir}); err == nil || strings.Contains(err.Error(), "alias") {
		t.Fatalf("Load = %v", err)
	}
}

// TestByteOrderMarks: editors on Windows (Notepad) start a file with a
// UTF-8 byte-order mark; both formats read it as the document it marks.
func TestByteOrderMarks(t *testing.T) {
	for file, content := range map[string]string{
		"devserver.toml": "\xEF\xBB\xBFport = 9001\n[watch]\ninterval = \"1s\"\n",
		"devserver.yaml": "\xEF\xBB\xBFport: 9001\nwatch:\n  interval: 1s\n",
	} {
		t.Run(file, func(t *testing.T) {
			l := mustLoad(t, Options{Dir: write(t, map[string]string{file: content})})
			if l.Config.Port != 9001 || l.Config.Watch.Interval != time.Second {
				t.Errorf("port %d, interval %s", l.Config.Port, l.Config.Watch.Interval)
			}
			if got := l.Origins["port"]; got.Line != 1 || got.Col != 1 {
				t.Errorf("port set at %d:%d, want 1:1", got.Line, got.Col)
			}
		})
	}
}
