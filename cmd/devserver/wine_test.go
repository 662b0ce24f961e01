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
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/lockedbuf"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestWindowsBuildUnderWine runs the Windows devserver.exe, under Wine, on
// a Windows build of the example app: it serves the app, restarts it on a
// change, and ends the app's whole tree on Ctrl+C and when devserver itself
// is killed. make test-windows runs it (TEST_WINE64 names wine64 and
// WINEPREFIX a prefix that runs Go programs); elsewhere it skips.
func TestWindowsBuildUnderWine(t *testing.T) {
	t.Parallel()
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
	testkit.WriteFile(t, filepath.Join(dir, "devserver.yaml"), "port: 0\napp:\n  run: "+filepath.Join(bin, "hello.exe")+
		"\n  env:\n    GREETING: from wine\n  stop_timeout: 2s\nwatch:\n  paths: [src]\n  interval: 100ms\n")
	testkit.WriteFile(t, filepath.Join(dir, "src", "a.txt"), "a")

	pidRE := regexp.MustCompile(`<p>pid (\d+)</p>`)
	portRE := regexp.MustCompile(`app started.*port=(\d+)`)
	run := func() *testkit.Devserver {
		t.Helper()
		d, err := testkit.Start(testkit.Run{Prefix: []string{wine}, Binary: filepath.Join(bin, "devserver.exe"), Dir: dir,
			Env: append(os.Environ(), "WINEDEBUG=-all")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = d.Cmd.Process.Kill()
			<-d.Done
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", d.Stdout, d.Stderr)
			}
		})
		return d
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
	d := run()
	var first string
	testkit.WaitFor(t, 30*time.Second, "the app's page", func() bool { first = appPid(d.URL); return first != "" })
	testkit.WriteFile(t, filepath.Join(dir, "src", "a.txt"), "changed")
	testkit.WaitFor(t, 30*time.Second, "a new app after the change", func() bool { p := appPid(d.URL); return p != "" && p != first })
	gone := appGone(d.Stderr)
	if code, err := d.Interrupt(30 * time.Second); err != nil || code != 0 {
		t.Errorf("after Ctrl+C: exit code %d, %v; want 0", code, err)
	}
	testkit.WaitFor(t, 30*time.Second, "the app gone after Ctrl+C", gone)

	// Killed outright: Windows ends the job, and the app with it.
	d = run()
	testkit.WaitFor(t, 30*time.Second, "the app's page", func() bool { return appPid(d.URL) != "" })
	gone = appGone(d.Stderr)
	_ = d.Cmd.Process.Kill()
	<-d.Done
	testkit.WaitFor(t, 30*time.Second, "the app gone after devserver was killed", gone)
}
