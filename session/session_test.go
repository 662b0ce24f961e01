package session_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/testrig/fakeapp"
	"github.com/devserver/devserver/internal/testrig/lockedbuf"
	"github.com/devserver/devserver/internal/testrig/testkit"
	"github.com/devserver/devserver/reload"
	"github.com/devserver/devserver/server"
	"github.com/devserver/devserver/session"
)

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == reload.GuardCommand {
		os.Exit(reload.GuardMain(os.Args[2:]))
	}
	if mode, ok := os.LookupEnv(fakeapp.Env); ok {
		os.Exit(fakeapp.Main(mode))
	}
	os.Exit(m.Run())
}

type listenFunc = func(context.Context, server.ListenConfig) (net.Listener, error)

// running is a session run in this process on the project in dir.
type running struct {
	dir  string
	log  *lockedbuf.Buffer
	addr *net.TCPAddr
}

// run starts a session on dir's devserver.yaml with listen, and stops it
// when the test ends.
func run(t *testing.T, dir string, listen listenFunc) *running {
	t.Helper()
	return runWith(t, dir, session.Options{Listen: listen})
}

// runWith is run with options of the test's own (Load, Stderr, Logger and
// Started are the helper's).
func runWith(t *testing.T, dir string, sopts session.Options) *running {
	t.Helper()
	opts := config.Options{Dir: dir, Environ: append(os.Environ(), "GORACE=atexit_sleep_ms=0")}
	l, err := config.Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	r := &running{dir: dir, log: &lockedbuf.Buffer{}}
	started := make(chan *net.TCPAddr, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		sopts.Load, sopts.Stderr = opts, r.log
		sopts.Logger = slog.New(slog.NewTextHandler(r.log, nil))
		sopts.Started = func(st session.Started) { started <- st.Addr }
		if sopts.Stdout == nil {
			sopts.Stdout = io.Discard
		}
		done <- session.Run(ctx, l, sopts)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if t.Failed() {
			t.Logf("log:\n%s", r.log)
		}
	})
	select {
	case r.addr = <-started:
	case err := <-done:
		t.Fatalf("Run: %v\n%s", err, r.log)
	case <-time.After(30 * time.Second):
		t.Fatalf("not serving after 30s\n%s", r.log)
	}
	return r
}

// save replaces devserver.yaml as editors do: a new file renamed over it.
func (r *running) save(t *testing.T, content string) {
	t.Helper()
	testkit.SaveAtomic(t, filepath.Join(r.dir, "devserver.yaml"), content)
}

// countLog counts want in the log.
func (r *running) countLog(want string) int { return strings.Count(r.log.String(), want) }

// waitLog waits until the log holds want n times.
func (r *running) waitLog(t *testing.T, want string, n int) {
	t.Helper()
	testkit.WaitFor(t, 20*time.Second, fmt.Sprintf("%d× %q in the log", n, want), func() bool {
		return r.countLog(want) >= n
	})
}

// appConfig is a project whose app is this test binary in mode, answering
// "gen=GEN pid=PID", built by build, with extra top-level keys.
func appConfig(t *testing.T, mode, gen, build, extra string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`port: 0
%swatch: {enabled: false, interval: 20ms}
app:
  build: %q
  run: %q
  env: {FAKEAPP: %q, GEN: %q}
  ready_timeout: 20s
  stop_timeout: 2s
`, extra, build, strconv.Quote(self), mode, gen)
}

// TestAFailedAppPutsTheLastGoodConfigBack is a live apply whose last step
// fails: the app fails with its new settings, after everything else has
// switched. The previous config is put back whole (its allowed_hosts
// too), the log says so, and saving a fix applies it.
func TestAFailedAppPutsTheLastGoodConfigBack(t *testing.T) {
	cases := []struct {
		name, mode, build string
		sameApp           bool // the old app serves on; else it is started again
	}{
		{name: "build fails", mode: "", build: "exit 3", sameApp: true},
		{name: "app exits before it is ready", mode: "exit3", sameApp: false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(appConfig(t, "", "1", "", "")), 0o644)
			r := run(t, dir, nil)
			url := fmt.Sprintf("http://127.0.0.1:%d/", r.addr.Port)
			_, before := testkit.Get(t, url)
			if !strings.HasPrefix(before, "gen=1 ") {
				t.Fatalf("before: %q", before)
			}

			r.save(t, appConfig(t, c.mode, "2", c.build, "allowed_hosts: [named.test]\n"))
			r.waitLog(t, "config not applied: the app failed with it; back to the last good config", 1)

			status, body := testkit.Get(t, url)
			if !strings.HasPrefix(body, "gen=1 ") || (body == before) != c.sameApp {
				t.Errorf("after: %d %q, before: %q; want gen=1 from the same app: %v", status, body, before, c.sameApp)
			}
			if status, _ := testkit.Get(t, url, "Host", "named.test"); status != http.StatusBadRequest {
				t.Errorf("Host named.test: %d, want 400: allowed_hosts of the failed config is in force", status)
			}

			r.save(t, appConfig(t, "", "3", "", "allowed_hosts: [named.test]\n"))
			testkit.WaitFor(t, 20*time.Second, "the fixed config serving", func() bool {
				_, body := testkit.Get(t, url, "Host", "named.test")
				return strings.HasPrefix(body, "gen=3 ")
			})
		})
	}
}
