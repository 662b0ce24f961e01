//go:build linux

package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/fakeapp"
	"github.com/devserver/devserver/internal/lockedbuf"
)

// TestWindowsBuildUnderWine runs the Windows devserver.exe, under Wine, on
// a Windows build of the example app: it serves the app, restarts it on a
// change, and ends the app's whole tree on Ctrl+C and when devserver itself
// is killed. make test-windows runs it (TEST_WINE64 names wine64 and
// WINEPREFIX a prefix that runs Go programs); elsewhere it skips.
func TestWindowsBuildUnderWine(t *testing.T) {
	wine := os.Getenv("TEST_WINE64")
	if wine == "" || os.Getenv("WINEPREFIX") == "" {
		t.Skip("TEST_WINE64 and WINEPREFIX unset: make test-windows runs this under Wine")
	}
	bin := t.TempDir()
	for out, pkg := range map[string]string{"devserver.exe": ".", "hello.exe": "../../examples/hello"} {
		build := exec.Command("go", "build", "-o", filepath.Join(bin, out), pkg)
		build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64")
		if b, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", out, err, b)
		}
	}
	dir := t.TempDir()
	writeFileT(t, filepath.Join(dir, "devserver.yaml"), "port: 0\napp:\n  run: "+filepath.Join(bin, "hello.exe")+
		"\n  env:\n    GREETING: from wine\n  stop_timeout: 2s\nwatch:\n  paths: [src]\n  interval: 100ms\n")
	writeFileT(t, filepath.Join(dir, "src", "a.txt"), "a")

	pidRE := regexp.MustCompile(`<p>pid (\d+)</p>`)
	portRE := regexp.MustCompile(`app started.*port=(\d+)`)
	run := func() (cmd *exec.Cmd, url string, stderr *lockedbuf.Buffer, done chan struct{}) {
		t.Helper()
		stdout := &lockedbuf.Buffer{}
		stderr = &lockedbuf.Buffer{}
		cmd = exec.Command(wine, filepath.Join(bin, "devserver.exe"))
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, stdout, stderr
		cmd.Env = append(os.Environ(), "WINEDEBUG=-all")
		cmd.WaitDelay = 5 * time.Second // an app left behind may hold the output
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done = make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-done
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
		})
		fakeapp.WaitFor(t, 60*time.Second, "the banner", func() bool { return urlRE.MatchString(stdout.String()) })
		return cmd, urlRE.FindStringSubmatch(stdout.String())[1], stderr, done
	}
	appPid := func(url string) string {
		res, err := http.Get(url)
		if err != nil {
			return ""
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if !strings.Contains(string(body), "<h1>from wine</h1>") {
			return ""
		}
		if m := pidRE.FindStringSubmatch(string(body)); m != nil {
			return m[1]
		}
		return ""
	}
	appGone := func(stderr *lockedbuf.Buffer) func() bool {
		m := portRE.FindAllStringSubmatch(stderr.String(), -1)
		if m == nil {
			t.Fatal("no app port in the log")
		}
		port := m[len(m)-1][1]
		return func() bool {
			c, err := net.DialTimeout("tcp4", "127.0.0.1:"+port, time.Second)
			if err == nil {
				c.Close()
			}
			return err != nil
		}
	}

	// Serve, restart on a change, stop the tree on Ctrl+C.
	cmd, url, stderr, done := run()
	var first string
	fakeapp.WaitFor(t, 30*time.Second, "the app's page", func() bool { first = appPid(url); return first != "" })
	writeFileT(t, filepath.Join(dir, "src", "a.txt"), "changed")
	fakeapp.WaitFor(t, 30*time.Second, "a new app after the change", func() bool { p := appPid(url); return p != "" && p != first })
	gone := appGone(stderr)
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("devserver did not exit after Ctrl+C")
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after Ctrl+C, want 0", code)
	}
	fakeapp.WaitFor(t, 30*time.Second, "the app gone after Ctrl+C", gone)

	// Killed outright: Windows ends the job, and the app with it.
	cmd, url, stderr, done = run()
	fakeapp.WaitFor(t, 30*time.Second, "the app's page", func() bool { return appPid(url) != "" })
	gone = appGone(stderr)
	_ = cmd.Process.Kill()
	<-done
	fakeapp.WaitFor(t, 30*time.Second, "the app gone after devserver was killed", gone)
}
