//go:build unix

package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devserver/devserver/internal/testkit"
)

// TestAHostileDotenvStillStarts: a .env that doubles a variable on every
// line, holds a NUL and leaves a quote open costs devserver its bounds, not
// its memory; each bad line is named FILE:LINE once, and the app starts
// with every good variable.
func TestAHostileDotenvStillStarts(t *testing.T) {
	dir, _ := project(t, "serve", "")
	var b strings.Builder
	b.WriteString("GOOD=kept\nA0=0123456789abcdef\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "A%d=${A%d}${A%d}\n", i, i-1, i-1)
	}
	b.WriteString("NUL=a\x00b\nOPEN=\"never closed\nLAST=also kept\n")
	testkit.WriteFile(t, filepath.Join(dir, ".env"), b.String())
	d := startDevserver(t, dir, nil)
	for name, want := range map[string]string{"GOOD": "kept", "LAST": "also kept", "A3": strings.Repeat("0123456789abcdef", 8), "A12": strings.Repeat("0123456789abcdef", 4096), "NUL": ""} {
		if _, got := testkit.Get(t, d.URL+"env?name="+name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	log := d.Stderr.String()
	for _, want := range []string{"env_file .env:15: A13: the value is over 64 KiB once expanded", "env_file .env:43: NUL: the value holds a NUL byte", "env_file .env:44: OPEN: no closing"} {
		if strings.Count(log, want) != 1 {
			t.Errorf("the log should say once %q:\n%s", want, log)
		}
	}
}
