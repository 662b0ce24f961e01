// Package testkit is what devserver's tests and its benchmark share: files
// written into a tree, a GET read whole, waiting for a condition, the pids
// the fake app records, a WebSocket echo, a loopback listener on a port of
// its own, and the devserver binary run and stopped as a user does.
//
// It is for tests and the benchmark only; the product never imports it.
// The fake app itself is internal/testrig/fakeapp.
package testkit

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// WaitUntil polls cond every step until it holds, or fails after d.
func WaitUntil(d, step time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		time.Sleep(step)
	}
	return nil
}

// WaitFor polls cond until it holds, and fails the test if it does not
// within d.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if WaitUntil(d, 10*time.Millisecond, cond) != nil {
		t.Fatalf("timed out after %s waiting for %s", d, what)
	}
}

// ReadPids returns the pids the fake apps recorded in a $PIDFILE, in
// order; none if there is no such file yet.
func ReadPids(file string) ([]int, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// Pids is ReadPids for a test, which fails if the file is not a list of
// pids.
func Pids(t testing.TB, file string) []int {
	t.Helper()
	pids, err := ReadPids(file)
	if err != nil {
		t.Fatalf("pid file %s: %v", file, err)
	}
	return pids
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

// SlowEnv is the variable that runs the slow proofs: `make check` sets it.
const SlowEnv = "DEVSERVER_TEST_SLOW"

// SlowProof skips a test that installs a real stack (npm packages, the
// examples' interpreters) unless SlowEnv is set: `make check` runs them,
// `make test` stays fast.
func SlowProof(t testing.TB) {
	t.Helper()
	if os.Getenv(SlowEnv) == "" {
		t.Skip("a slow proof (a real stack from npm or the examples' interpreters): make check runs it (" + SlowEnv + "=1)")
	}
}
