package fakeapp

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Pids returns the pids the fake apps recorded in a $PIDFILE, in order.
func Pids(t testing.TB, file string) []int {
	t.Helper()
	data, _ := os.ReadFile(file)
	var out []int
	for _, f := range strings.Fields(string(data)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("pid file %s: %v", file, err)
		}
		out = append(out, n)
	}
	return out
}

// WaitFor polls cond until it holds, and fails the test if it does not
// within d.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// SymlinkOrSkip makes a symbolic link, and skips the test on Windows where
// links cannot be made (no Developer Mode) or do not resolve once made
// (Wine 8's are not followed by its own file calls).
func SymlinkOrSkip(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		if runtime.GOOS == "windows" {
			t.Skip("cannot make a symbolic link here:", err)
		}
		t.Fatal(err)
	}
	if _, err := os.Stat(link); err != nil && runtime.GOOS == "windows" {
		t.Skip("symbolic links made here do not resolve:", err)
	}
}
