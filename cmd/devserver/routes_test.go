//go:build unix

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// twoServers is a project with an API (the app) and a frontend's dev
// server (the process web, http: true) on one origin: /api to the app, the
// rest to web; each restarts for its own files only.
func twoServers(t *testing.T, webMode string) (dir string, pids func(name string) []int) {
	t.Helper()
	self := appBinary(t)
	dir, out := t.TempDir(), t.TempDir()
	file := func(name string) string { return filepath.Join(out, name) }
	run := strconv.Quote(strconv.Quote(self))
	testkit.WriteTree(t, dir, map[string]string{
		"devserver.yaml": fmt.Sprintf(`port: 0
app:
  run: %s
  env: {FAKEAPP: serve, PIDFILE: %q, GEN: api}
  stop_timeout: 2s
watch: {paths: [src], globs: ["src/api/**"], interval: 50ms, debounce: 20ms}
processes:
  web:
    run: %s
    env: {FAKEAPP: %s, PIDFILE: %q, GEN: web}
    http: true
    watch: ["src/web/**"]
routes:
  /api: app
  /: web
`, run, file("api"), run, webMode, file("web")),
		"src/api/main.go": "package main\n",
		"src/web/app.js":  "// web\n",
	})
	return dir, func(name string) []int { return testkit.Pids(t, file(name)) }
}

// TestRoutesToTwoServers: each path reaches its unit, an upgrade passes
// through a route, and clients looping on both routes see no failure while
// each unit restarts for a change of its own files.
func TestRoutesToTwoServers(t *testing.T) {
	t.Parallel()
	dir, pids := twoServers(t, "serve")
	d := startDevserver(t, dir, nil)
	gen := func(path string) string {
		_, body := testkit.Get(t, d.URL+path)
		g, _, _ := strings.Cut(body, " ")
		return g
	}
	if a, w := gen("api"), gen(""); a != "gen=api" || w != "gen=web" {
		t.Fatalf("/api answered %q and / %q; want the app and web", a, w)
	}
	if !strings.Contains(d.Stdout.String(), "Route     /api → app") || !strings.Contains(d.Stdout.String(), "Route     / → web") {
		t.Errorf("the banner does not show the routes:\n%s", d.Stdout)
	}
	upgradeEchoes(t, d.URL)

	// Two clients on each route.
	stops := []func() (int64, int64, string){looping(d.URL+"api/x", "gen=api "), looping(d.URL+"api/y", "gen=api "),
		looping(d.URL, "gen=web "), looping(d.URL+"page/1", "gen=web ")}
	for i := range 3 {
		testkit.WriteFile(t, filepath.Join(dir, "src", "web", "app.js"), fmt.Sprintf("// web %d\n", i))
		testkit.WaitFor(t, 30*time.Second, "web restarted", func() bool { return len(pids("web")) >= i+2 })
		testkit.WriteFile(t, filepath.Join(dir, "src", "api", "main.go"), fmt.Sprintf("package main // %d\n", i))
		testkit.WaitFor(t, 30*time.Second, "the app restarted", func() bool { return len(pids("api")) >= i+2 })
	}
	testkit.WaitFor(t, 30*time.Second, "both answering again", func() bool { return gen("api") == "gen=api" && gen("") == "gen=web" })
	var ok, failed int64
	var firsts []string
	for _, stop := range stops {
		o, f, first := stop()
		ok, failed = ok+o, failed+f
		if first != "" {
			firsts = append(firsts, first)
		}
	}
	if failed != 0 {
		t.Errorf("%d of %d requests failed across restarts of both units; first: %q", failed, failed+ok, firsts)
	}
	if a, w := len(pids("api")), len(pids("web")); a != 4 || w != 4 {
		t.Errorf("%d app starts and %d web starts, want 4 each (each restarts for its own files only)", a, w)
	}
	t.Logf("%d requests answered across 6 restarts", ok)
}

// upgradeEchoes opens a WebSocket-style upgrade to /ws through devserver
// and checks the echo (a client speaks the new protocol only after the
// 101, as browsers do), as a frontend's HMR socket on / needs.
func upgradeEchoes(t *testing.T, url string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprint(c, "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade through the route: %v %v", res, err)
	}
	fmt.Fprint(c, "ping\n")
	if line, err := br.ReadString('\n'); line != "echo:ping\n" {
		t.Errorf("after the upgrade: %q %v", line, err)
	}
}

// TestReadyPathHoldsRequests: an app whose ready_path answers 503 gets no
// request until it answers 200; the request that came meanwhile waited,
// and is answered then.
func TestReadyPathHoldsRequests(t *testing.T) {
	t.Parallel()
	dir, _ := project(t, "serve", "")
	healthy, reqlog := filepath.Join(t.TempDir(), "healthy"), filepath.Join(t.TempDir(), "requests")
	replaceIn(t, filepath.Join(dir, "devserver.yaml"), `GEN: "1"`, `GEN: "1"`+"\n    HEALTHY: "+strconv.Quote(healthy)+"\n    REQLOG: "+strconv.Quote(reqlog)+"\n  ready_path: /health")
	d := startDevserver(t, dir, nil)
	answered := make(chan string, 1)
	go func() {
		res, err := http.Get(d.URL)
		if err != nil {
			answered <- err.Error()
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		answered <- string(body)
	}()
	testkit.WaitFor(t, 20*time.Second, "the app asked twice for its health", func() bool {
		return strings.Count(d.Stdout.String(), "health: 503") >= 2
	})
	select {
	case got := <-answered:
		t.Fatalf("a request was answered before the app was ready: %q", got)
	default:
	}
	testkit.WriteFile(t, healthy, "")
	select {
	case got := <-answered:
		if !strings.HasPrefix(got, "gen=1 ") {
			t.Errorf("the held request got %q", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the held request was not answered once the app was ready")
	}
	if data, _ := os.ReadFile(reqlog); len(data) > 0 {
		t.Errorf("the app got requests before it was ready:\n%s", data)
	}
}

// dependent is a project of three units that start in a chain: db, then
// the app (depends_on db), then web (depends_on app); each notes its start
// and its stop in one file.
func dependent(t *testing.T, dbMode string) (dir, order string) {
	t.Helper()
	self := appBinary(t)
	dir, order = t.TempDir(), filepath.Join(t.TempDir(), "order")
	run := strconv.Quote(strconv.Quote(self))
	testkit.WriteTree(t, dir, map[string]string{
		"devserver.yaml": fmt.Sprintf(`port: 0
app:
  run: %[1]s
  env: {FAKEAPP: serve, GEN: app, ORDERLOG: %[2]q}
  depends_on: [db]
  stop_timeout: 2s
watch: {paths: [src], interval: 50ms, debounce: 20ms}
processes:
  web:
    run: %[1]s
    env: {FAKEAPP: serve, GEN: web, ORDERLOG: %[2]q}
    http: true
    depends_on: [app]
  db:
    run: %[1]s
    env: {FAKEAPP: %[3]s, GEN: db, ORDERLOG: %[2]q}
    http: true
routes:
  /web: web
`, run, order, dbMode),
		"src/main.go": "package main\n",
	})
	return dir, order
}

// TestDependsOnOrdersStartAndStop: each unit starts once what it depends on
// is ready, and Ctrl+C stops them the other way round.
func TestDependsOnOrdersStartAndStop(t *testing.T) {
	t.Parallel()
	dir, order := dependent(t, "serve")
	d := startDevserver(t, dir, nil)
	lines := func() []string {
		data, _ := os.ReadFile(order)
		return strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	testkit.WaitFor(t, 30*time.Second, "three starts", func() bool { return len(lines()) >= 3 })
	if _, body := testkit.Get(t, d.URL+"web"); !strings.HasPrefix(body, "gen=web ") {
		t.Errorf("/web answered %q", body)
	}
	interrupt(t, d)
	if got, want := strings.Join(lines(), ", "), "start db, start app, start web, stop web, stop app, stop db"; got != want {
		t.Errorf("order %q, want %q", got, want)
	}
}

// TestADependencyThatFailsIsNamed: while the unit the app depends on fails,
// the app waits; a request gets a page saying what it waits for and why.
func TestADependencyThatFailsIsNamed(t *testing.T) {
	t.Parallel()
	dir, _ := dependent(t, "exit3")
	d := startDevserver(t, dir, nil)
	testkit.WaitFor(t, 30*time.Second, "the page naming the dependency", func() bool {
		_, body := testkit.Get(t, d.URL)
		return strings.Contains(body, "app waits for db") && strings.Contains(body, "db exited before it was ready (exit status 3)")
	})
	if strings.Contains(d.Stderr.String(), `msg="app started"`) {
		t.Errorf("the app started while its dependency failed:\n%s", d.Stderr)
	}
}

// TestTheButtonRestartsItsUnit: the error page of a routed unit that
// failed restarts that unit, not the app.
func TestTheButtonRestartsItsUnit(t *testing.T) {
	t.Parallel()
	dir, pids := twoServers(t, "exit3")
	d := startDevserver(t, dir, nil)
	var page string
	testkit.WaitFor(t, 30*time.Second, "web's error page", func() bool {
		req, _ := http.NewRequest(http.MethodGet, d.URL, nil)
		req.Header.Set("Accept", "text/html")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		page = string(body)
		return strings.Contains(page, "Restart web</button>")
	})
	_, after, _ := strings.Cut(page, `name="token" value="`)
	token, _, _ := strings.Cut(after, `"`)
	// The app starts once, beside web; its pid may come after web's page.
	testkit.WaitFor(t, 30*time.Second, "the app started", func() bool { return len(pids("api")) == 1 })
	apiStarts := len(pids("api"))
	form := strings.NewReader("token=" + token + "&unit=web")
	req, _ := http.NewRequest(http.MethodPost, d.URL+"__devserver/restart", form)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", strings.TrimSuffix(d.URL, "/"))
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the button: %v %v", res, err)
	}
	res.Body.Close()
	testkit.WaitFor(t, 30*time.Second, "web started again", func() bool { return len(pids("web")) == 2 })
	if got := len(pids("api")); got != apiStarts {
		t.Errorf("the app started %d times after the button, want %d (only web restarts)", got, apiStarts)
	}
	if !strings.Contains(d.Stderr.String(), `msg="restarting web (the error page's button)"`) {
		t.Errorf("the log does not say what restarted:\n%s", d.Stderr)
	}
}

// TestNoAppWhenRoutesSayWhatRuns: without app.run, a process behind the
// route / serves the site (no static listing of the project in its way).
func TestNoAppWhenRoutesSayWhatRuns(t *testing.T) {
	t.Parallel()
	self := appBinary(t)
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		"devserver.yaml": fmt.Sprintf("port: 0\nprocesses:\n  web:\n    run: %s\n    env: {FAKEAPP: serve, GEN: web}\n    http: true\nroutes:\n  /: web\n",
			strconv.Quote(strconv.Quote(self))),
		"index.html": "the project's own file",
	})
	d := startDevserver(t, dir, nil)
	for _, path := range []string{"", "index.html"} {
		if _, body := testkit.Get(t, d.URL+path); !strings.HasPrefix(body, "gen=web ") {
			t.Errorf("/%s answered %q, want web's answer", path, body)
		}
	}
}

// TestAProcessReplacedByTheConfigHoldsItsRequests: a config save that
// changes a routed process's settings starts it anew with them; clients
// looping on its route see no failure meanwhile.
func TestAProcessReplacedByTheConfigHoldsItsRequests(t *testing.T) {
	t.Parallel()
	dir, pids := twoServers(t, "serve")
	d := startDevserver(t, dir, nil)
	testkit.WaitFor(t, 30*time.Second, "web", func() bool { _, b := testkit.Get(t, d.URL); return strings.HasPrefix(b, "gen=web ") })
	stop := looping(d.URL+"some/path", "gen=web")
	testkit.SaveAtomic(t, filepath.Join(dir, "devserver.yaml"), strings.Replace(readFile(t, filepath.Join(dir, "devserver.yaml")), "GEN: web}", "GEN: web2}", 1))
	testkit.WaitFor(t, 30*time.Second, "web with its new settings", func() bool {
		_, b := testkit.Get(t, d.URL)
		return strings.HasPrefix(b, "gen=web2 ")
	})
	ok, failed, first := stop()
	if failed != 0 || len(pids("web")) != 2 {
		t.Errorf("%d of %d requests failed while web was replaced (%d starts); first: %v", failed, failed+ok, len(pids("web")), first)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// looping starts a client that GETs url over and over, expecting an answer
// 200 that starts with want; stop ends it and says how many were answered
// so, how many not, and the first that was not.
func looping(url, want string) (stop func() (ok, failed int64, first string)) {
	var halt atomic.Bool
	var okN, failedN atomic.Int64
	var firstBad atomic.Value
	done := make(chan struct{})
	go func() {
		defer close(done)
		client := &http.Client{Timeout: 30 * time.Second}
		for !halt.Load() {
			res, err := client.Get(url)
			if err == nil {
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode == 200 && strings.HasPrefix(string(body), want) {
					okN.Add(1)
					continue
				}
				err = fmt.Errorf("%d %q", res.StatusCode, body)
			}
			failedN.Add(1)
			firstBad.CompareAndSwap(nil, err.Error())
		}
	}()
	return func() (int64, int64, string) {
		halt.Store(true)
		<-done
		f, _ := firstBad.Load().(string)
		return okN.Load(), failedN.Load(), f
	}
}
