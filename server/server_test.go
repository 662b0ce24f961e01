package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/testrig/lockedbuf"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// raw sends a request exactly as written and returns the status code and
// body. It is how the tests send what a browser never would.
func raw(t *testing.T, addr, request string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read response to %q: %v", firstLineOf(request), err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func firstLineOf(s string) string { l, _, _ := strings.Cut(s, "\r\n"); return l }

func get(target string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
}

func start(t *testing.T, opts Options) (addr string, log *lockedbuf.Buffer) {
	t.Helper()
	log = &lockedbuf.Buffer{}
	opts.Log = log
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() }) // before its directory is removed (Windows keeps an open one)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts.Listener.Addr().String(), log
}

// TestStaticNeverLeaksSecrets sends the traversal and dotfile matrix of the
// reliability plan (SEC-07, SEC-08, SEC-09) at a static-only server.
func TestStaticNeverLeaksSecrets(t *testing.T) {
	root := t.TempDir()
	site := filepath.Join(root, "site")
	testkit.WriteTree(t, root, map[string]string{
		"secret.txt":                "SECRET outside",
		"site-private/x.txt":        "SECRET sibling",
		"site/ok.txt":               "fine",
		"site/sub/file.txt":         "inside",
		"site/.env":                 "SECRET env",
		"site/.env.local":           "SECRET env local",
		"site/.git/config":          "SECRET git",
		"site/.git/HEAD":            "SECRET head",
		"site/id_rsa":               "SECRET key",
		"site/server.key":           "SECRET server key",
		"site/cert.pem":             "SECRET pem",
		"site/.npmrc":               "SECRET npmrc",
		"site/devserver.yaml":       "SECRET config",
		"site/devserver.local.yaml": "SECRET overlay",
	})
	if runtime.GOOS != "windows" { // a name Windows cannot hold
		testkit.WriteTree(t, root, map[string]string{"site/<img src=x onerror=alert(1)>.txt": "xss name"})
	}
	for link, target := range map[string]string{
		"abs": filepath.Join(root, "secret.txt"), "rel": "../secret.txt", "dir": "/",
		"loop": ".", "inside": "sub/file.txt", "updir": "..",
	} {
		if err := os.Symlink(target, filepath.Join(site, link)); err != nil && runtime.GOOS != "windows" {
			t.Fatal(err)
		}
	}
	// Where links do not resolve (Wine 8; Windows without Developer Mode),
	// the links that should work are not asked for; the rest still is.
	_, linkErr := os.Stat(filepath.Join(site, "inside"))
	addr, _ := start(t, Options{StaticDir: filepath.Join(root, "site")})

	leaks := []string{
		"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%252e%252e/secret.txt",
		"/....//secret.txt", "/%5c..%5csecret.txt", "/..\\secret.txt", "/x/#/../../secret.txt",
		"/.env", "/.ENV", "/.env.local", "/.env?raw??", "/.env?import&raw", "/.env/.", "/./.env", "/.env/",
		"//.env", "/.env%00.txt", "/.env%20", "/%2eenv", "/.git/config", "/.Git/config", "/.git/", "/.git",
		"/id_rsa", "/server.key", "/cert.pem", "/.npmrc", "/devserver.yaml", "/devserver.local.yaml",
		"/abs", "/rel", "/dir/etc/hostname", "/updir/secret.txt", "/updir/site-private/x.txt",
		"/../site-private/x.txt", "/loop/.env", "/sub/../.env",
	}
	for _, target := range leaks {
		status, body := raw(t, addr, get(target))
		if strings.Contains(body, "SECRET") {
			t.Errorf("GET %s: %d served a secret: %q", target, status, body)
		}
		if status != http.StatusNotFound && status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 404 (or 400 for a malformed target)", target, status)
		}
	}
	for target, want := range map[string]string{"/ok.txt": "fine", "/inside": "inside", "/loop/ok.txt": "fine", "/sub/file.txt": "inside"} {
		if linkErr != nil && (target == "/inside" || target == "/loop/ok.txt") {
			t.Logf("symbolic links do not resolve here (%v): %s not asked for", linkErr, target)
			continue
		}
		if status, body := raw(t, addr, get(target)); status != http.StatusOK || body != want {
			t.Errorf("GET %s: %d %q, want 200 %q", target, status, body, want)
		}
	}
	status, listing := raw(t, addr, get("/"))
	if status != http.StatusOK {
		t.Fatalf("listing: %d", status)
	}
	for _, hidden := range []string{".env", ".git", "id_rsa", "server.key", "cert.pem", ".npmrc", "devserver.yaml", "devserver.local.yaml"} {
		if strings.Contains(listing, ">"+hidden) {
			t.Errorf("listing shows %s:\n%s", hidden, listing)
		}
	}
	if strings.Contains(listing, "<img") || runtime.GOOS != "windows" && !strings.Contains(listing, "&lt;img src=x onerror=alert(1)&gt;.txt") {
		t.Errorf("listing does not escape names:\n%s", listing)
	}
	for _, m := range []string{"PUT", "DELETE", "POST", "TRACE"} {
		req := m + " /ok.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
		if status, body := raw(t, addr, req); status != http.StatusMethodNotAllowed || strings.Contains(body, "fine") {
			t.Errorf("%s /ok.txt: %d %q, want 405", m, status, body)
		}
	}
}

// TestLinksToDeniedFilesAreDenied: the deny list applies to what a path
// resolves to. Links inside the served directory that lead to a secret
// (ln -s .env public/settings.txt, ln -s .git public/repo) are 404 and left
// out of listings; a link to an ordinary file still works.
func TestLinksToDeniedFilesAreDenied(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{
		".env":              "SECRET env",
		".git/config":       "SECRET git",
		"keys/server.key":   "SECRET key",
		"public/index.txt":  "fine",
		"public/.env.local": "SECRET env local",
	})
	for link, target := range map[string]string{
		"public/settings.txt": "../.env", "public/repo": "../.git", "public/k": "../keys/server.key",
		"public/local.txt": ".env.local", "public/also.txt": "index.txt", "public/up": "..",
		"public/sub/index.html": "../../.env",
	} {
		os.MkdirAll(filepath.Join(root, "public", "sub"), 0o755)
		testkit.SymlinkOrSkip(t, target, filepath.Join(root, link))
	}
	addr, _ := start(t, Options{StaticDir: root}) // static-only, the whole project, with listings
	for _, target := range []string{"/public/settings.txt", "/public/repo/config", "/public/repo/", "/public/k",
		"/public/local.txt", "/public/up/.env", "/public/up/public/settings.txt"} {
		if status, body := raw(t, addr, get(target)); status != http.StatusNotFound || strings.Contains(body, "SECRET") {
			t.Errorf("GET %s: %d %q, want 404", target, status, body)
		}
	}
	// A directory whose index.html is such a link is listed, not indexed.
	if _, body := raw(t, addr, get("/public/sub/")); strings.Contains(body, "SECRET") {
		t.Errorf("GET /public/sub/ served the index.html that links to .env: %q", body)
	}
	if status, body := raw(t, addr, get("/public/also.txt")); status != http.StatusOK || body != "fine" {
		t.Errorf("GET /public/also.txt: %d %q, want the file it links to", status, body)
	}
	_, listing := raw(t, addr, get("/public/"))
	for _, name := range []string{"settings.txt", "repo", ">k<", "local.txt"} {
		if strings.Contains(listing, name) {
			t.Errorf("the listing shows %s:\n%s", name, listing)
		}
	}
	if !strings.Contains(listing, "also.txt") {
		t.Errorf("the listing lacks also.txt:\n%s", listing)
	}
}

// TestTheLoadedConfigIsNeverServed: a config under another name
// (--config dev.yaml, DEVSERVER_CONFIG) is no less secret than
// devserver.yaml: whatever file was loaded as config or overlay is never
// served, under its own name or through a link, even after an editor saves
// it as a new file.
func TestTheLoadedConfigIsNeverServed(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{
		"dev.yaml":        "app:\n  env:\n    TOKEN: SECRET\n",
		"public/ok.txt":   "fine",
		"other/notes.txt": "fine too",
	})
	if err := os.Symlink("../dev.yaml", filepath.Join(root, "public", "dev.txt")); err != nil {
		t.Fatal(err)
	}
	l, err := config.Load(config.Options{Dir: root, Environ: []string{}, Flags: map[string]string{"config": "dev.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := start(t, Options{StaticDir: l.Config.Root, Hidden: l.WatchFiles()})
	check := func() {
		t.Helper()
		for _, target := range []string{"/dev.yaml", "/public/dev.txt", "/./dev.yaml", "/public/../dev.yaml"} {
			if status, body := raw(t, addr, get(target)); status != http.StatusNotFound || strings.Contains(body, "SECRET") {
				t.Errorf("GET %s: %d %q, want 404", target, status, body)
			}
		}
		if status, body := raw(t, addr, get("/other/notes.txt")); status != http.StatusOK || body != "fine too" {
			t.Errorf("GET /other/notes.txt: %d %q", status, body)
		}
	}
	check()
	// An atomic save: a new file (a new inode) under the old name.
	tmp := filepath.Join(root, "dev.yaml~")
	if err := os.WriteFile(tmp, []byte("app:\n  env:\n    TOKEN: SECRET2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(root, "dev.yaml")); err != nil {
		t.Fatal(err)
	}
	check()
}

// TestHostCheck sends the DNS-rebinding matrix (SEC-01, SEC-02) at a server
// whose app counts what reaches it: a refused request never does.
func TestHostCheck(t *testing.T) {
	var hits atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "app")
	}))
	defer app.Close()
	addr, log := start(t, Options{AllowedHosts: []string{".example.test", "named.test"}, App: readyAt(app.Listener.Addr().String())})

	refused := []string{
		"Host: attacker.example", "Host: attacker.example:8000", "Host: localhost.attacker.example",
		"Host: 127.0.0.1.nip.io", "Host: example.test.evil", "Host: [::1", "Host: localhost:99999",
		"Host: ", "Host: attacker.example\r\nX-Forwarded-Host: localhost",
		"Host: attacker.example\r\nOrigin: http://localhost", "Host: localhost\r\nHost: attacker.example",
		"Host: \x1b[31mred",
	}
	for _, h := range refused {
		before := hits.Load()
		status, body := raw(t, addr, "GET / HTTP/1.1\r\n"+h+"\r\nConnection: close\r\n\r\n")
		if status != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", h, status)
		}
		if hits.Load() != before {
			t.Errorf("%q reached the app", h)
		}
		// Go itself refuses two Host headers before the check runs.
		if status == http.StatusBadRequest && strings.Contains(h, "attacker") && !strings.Contains(h, "\r\nHost:") && !strings.Contains(body, "allowed_hosts") {
			t.Errorf("%q: body does not name allowed_hosts: %q", h, body)
		}
	}
	// Absolute-form targets set the authority, whatever the Host header says.
	if status, _ := raw(t, addr, "GET http://attacker.example/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"); status != http.StatusBadRequest {
		t.Errorf("absolute-form attacker target: %d, want 400", status)
	}
	allowed := []string{"localhost", "LOCALHOST", "localhost.", "localhost:8000", "app.localhost", "127.0.0.1",
		"127.0.0.1:8000", "127.0.0.2", "[::1]", "[::1]:8000", "a.b.example.test", "example.test", "named.test"}
	for _, h := range allowed {
		if status, body := raw(t, addr, "GET / HTTP/1.1\r\nHost: "+h+"\r\nConnection: close\r\n\r\n"); status != http.StatusOK || body != "app" {
			t.Errorf("Host %q: %d %q, want 200 from the app", h, status, body)
		}
	}
	if strings.Contains(log.String(), "\x1b") {
		t.Errorf("raw escape in the log:\n%q", log.String())
	}
}

func TestHostCheckWildcardBind(t *testing.T) {
	h := newHostCheck("0.0.0.0", nil)
	name, _ := os.Hostname()
	for _, host := range []string{name, strings.ToUpper(name) + ":8000", "127.0.0.1"} {
		if _, ok := h.allowed(host); !ok {
			t.Errorf("wildcard bind refuses %q", host)
		}
	}
	if _, ok := h.allowed("attacker.example"); ok {
		t.Error("wildcard bind allows attacker.example")
	}
	if _, ok := newHostCheck("127.0.0.1", []string{"*"}).allowed("anything.example"); !ok {
		t.Error(`allowed_hosts "*" does not allow all`)
	}
}

// TestLogEscapesControlCharacters: a request cannot forge log lines or send
// terminal escapes (SEC-11).
func TestLogEscapesControlCharacters(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{"a.txt": "a"})
	addr, log := start(t, Options{StaticDir: root})
	target := "/%1b[2J%1b[31mRED%0d%0a[21/Nov/2026%2010:00:00]%20%22GET%20/admin%20HTTP/1.1%22%20200%200"
	raw(t, addr, get(target))
	raw(t, addr, get("/"+strings.Repeat("x", 5000)))
	got := log.String()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines for 2 requests:\n%s", len(lines), got)
	}
	if strings.ContainsAny(got, "\x1b\r") {
		t.Errorf("raw control characters in the log: %q", got)
	}
	if !strings.Contains(lines[0], `"GET /%1b[2J`) || !strings.HasPrefix(lines[0], "[") || !strings.Contains(lines[0], "\" 404 ") {
		t.Errorf("log line: %q", lines[0])
	}
	if len(lines[1]) > maxLogged+200 || !strings.Contains(lines[1], "bytes)") {
		t.Errorf("long target not shortened: %d chars", len(lines[1]))
	}
	var l requestLog
	l.w, l.now = io.Discard, time.Now
	if e := escape("a\x1b[31m\r\n\"\\\xff"); e != `a\x1b[31m\r\n\"\\\xff` {
		t.Errorf("escape = %q", e)
	}
}

func TestLogColours(t *testing.T) {
	var buf bytes.Buffer
	l := &requestLog{w: &buf, color: true, now: time.Now}
	r := httptest.NewRequest("GET", "/x", nil)
	l.line(time.Now(), r, 500, 0, 0, "")
	l.color = false
	l.line(time.Now(), r, 500, 0, 0, "")
	lines := strings.Split(buf.String(), "\n")
	if !strings.HasPrefix(lines[0], "\x1b[1;35m") || strings.Contains(lines[1], "\x1b") {
		t.Errorf("colours: %q", buf.String())
	}
}

// upstream is a test Upstream whose readiness the test controls.
type upstream struct {
	ready func(ctx context.Context) (string, error)
}

func (u upstream) Ready(ctx context.Context) (string, func(), error) {
	addr, err := u.ready(ctx)
	return addr, func() {}, err
}

func readyAt(addr string) Upstream {
	return upstream{ready: func(context.Context) (string, error) { return addr, nil }}
}

// TestRequestsWaitForTheApp: a request that arrives while the app is not
// ready is held, not failed, and answered once it is.
func TestRequestsWaitForTheApp(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "app got %q", b)
	}))
	defer app.Close()
	gate := make(chan struct{})
	waiting := make(chan struct{}, 10)
	up := upstream{ready: func(ctx context.Context) (string, error) {
		waiting <- struct{}{}
		select {
		case <-gate:
			return app.Listener.Addr().String(), nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}}
	addr, _ := start(t, Options{App: up})
	type result struct {
		status int
		body   string
	}
	results := make(chan result, 1)
	go func() {
		res, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader("payload"))
		if err != nil {
			results <- result{body: err.Error()}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		results <- result{res.StatusCode, string(b)}
	}()
	<-waiting // the request is being held
	close(gate)
	r := <-results
	if r.status != http.StatusOK || r.body != `app got "payload"` {
		t.Errorf("held request: %d %q", r.status, r.body)
	}
}

type testFailure struct{}

func (testFailure) Error() string  { return "build failed" }
func (testFailure) Title() string  { return "build failed (exit status 2)" }
func (testFailure) Detail() string { return "$ make\nmain.go:3: <syntax> error\n" }

func TestErrorPages(t *testing.T) {
	fail := upstream{ready: func(context.Context) (string, error) { return "", testFailure{} }}
	addr, _ := start(t, Options{App: fail})
	req := "GET / HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
	status, body := raw(t, addr, req)
	// The title is the error's message; what failed is under it.
	if status != http.StatusBadGateway || !strings.Contains(body, `<h1>&lt;syntax&gt; error</h1><p class="sub">build failed (exit status 2)</p>`) ||
		!strings.Contains(body, "main.go:3: &lt;syntax&gt; error") {
		t.Errorf("HTML page: %d\n%s", status, body)
	}
	status, body = raw(t, addr, get("/"))
	if status != http.StatusBadGateway || strings.Contains(body, "<html") || !strings.Contains(body, "main.go:3: <syntax> error") {
		t.Errorf("text page: %d\n%s", status, body)
	}

	never := upstream{ready: func(ctx context.Context) (string, error) { <-ctx.Done(); return "", ctx.Err() }}
	addr, _ = start(t, Options{ReadyTimeout: 50 * time.Millisecond, App: never})
	res, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" ||
		res.Header.Get("Cross-Origin-Resource-Policy") != "same-origin" || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("not ready: %d %v", res.StatusCode, res.Header)
	}
}

// TestAppGoneBeforeTheRequestReachesIt: Ready gave an address, but the app
// exited before the request got there (connection refused). The request
// gets the app's failure page, not an endless wait for a port that will
// not open again.
func TestAppGoneBeforeTheRequestReachesIt(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := ln.Addr().String()
	ln.Close()
	var calls atomic.Int32
	app := upstream{ready: func(context.Context) (string, error) {
		if calls.Add(1) == 1 {
			return gone, nil
		}
		return "", testFailure{}
	}}
	addr, _ := start(t, Options{App: app})
	status, body := raw(t, addr, get("/"))
	if status != http.StatusBadGateway || !strings.Contains(body, "build failed (exit status 2)") {
		t.Errorf("%d %q", status, body)
	}
}

// TestProxyWebSocketIsFaithful (HTTP-04): the subprotocol passes both
// ways; an app that answers with another protocol than asked gets 502; an
// app path that merely starts like devserver's own is the app's; a client
// that vanishes closes the app's side; and 100 upgrades leave no
// goroutines behind, with the request log in front, even with live reload
// on.
func TestProxyWebSocketIsFaithful(t *testing.T) {
	var open atomic.Int32 // app-side connections not yet closed
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto := r.Header.Get("Upgrade")
		if r.URL.Path == "/wrong" {
			proto = "h2c"
		}
		c, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		open.Add(1)
		defer open.Add(-1)
		defer c.Close()
		fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: %s\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
			proto, r.Header.Get("Sec-WebSocket-Protocol"))
		rw.Flush()
		for {
			line, err := rw.ReadString('\n')
			if err != nil {
				return // the client went away: so does this side
			}
			fmt.Fprint(rw, r.URL.Path+" echo:"+line)
			rw.Flush()
		}
	}))
	defer app.Close()
	lr := NewLiveReload()
	defer lr.Close()
	addr, _ := start(t, Options{App: readyAt(app.Listener.Addr().String()), LiveReload: lr})
	upgrade := func(path string) (net.Conn, *bufio.Reader, *http.Response) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprint(c, "GET "+path+" HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n\r\n")
		br := bufio.NewReader(c)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return c, br, res
	}
	for _, path := range []string{"/ws", "/__dev", "/__devserverx"} {
		c, br, res := upgrade(path)
		if res.StatusCode != http.StatusSwitchingProtocols || res.Header.Get("Sec-WebSocket-Protocol") != "chat" {
			t.Fatalf("%s: %d %v", path, res.StatusCode, res.Header)
		}
		fmt.Fprint(c, "ping\n")
		if line, err := br.ReadString('\n'); err != nil || line != path+" echo:ping\n" {
			t.Errorf("%s: echo %q %v", path, line, err)
		}
		c.Close()
	}
	c, _, res := upgrade("/wrong")
	c.Close()
	if res.StatusCode != http.StatusBadGateway {
		t.Errorf("app switched to another protocol: %d, want 502", res.StatusCode)
	}

	testkit.WaitFor(t, 10*time.Second, "the app's side of closed sockets closed", func() bool { return open.Load() == 0 })
	before := runtime.NumGoroutine()
	for range 100 {
		c, br, res := upgrade("/ws")
		if res.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("upgrade: %d", res.StatusCode)
		}
		fmt.Fprint(c, "x\n")
		br.ReadString('\n')
		c.Close() // abruptly, mid-conversation
	}
	testkit.WaitFor(t, 10*time.Second, "every app-side socket closed", func() bool { return open.Load() == 0 })
	testkit.WaitFor(t, 10*time.Second, "goroutines back to where they were", func() bool { return runtime.NumGoroutine() <= before+5 })
}

// TestProxyHeaders: X-Forwarded-* are set fresh (a spoofed X-Forwarded-For
// never reaches the app), the app sees the public Host, hop-by-hop headers go.
func TestProxyHeaders(t *testing.T) {
	seen := make(chan http.Header, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Clone()
		h.Set("Host", r.Host)
		h.Set("X-Request-URI", r.RequestURI)
		seen <- h
		w.Header().Set("Location", "http://"+r.Context().Value(http.LocalAddrContextKey).(net.Addr).String()+"/next")
		w.WriteHeader(http.StatusFound)
	}))
	defer app.Close()
	addr, _ := start(t, Options{App: readyAt(app.Listener.Addr().String())})
	req := "GET /a%2Fb/..%2f?x=1;y=2&z=%ZZ HTTP/1.1\r\nHost: localhost:8000\r\nX-Forwarded-For: 6.6.6.6\r\n" +
		"X-Forwarded-Host: evil.example\r\nForwarded: for=6.6.6.6\r\nProxy-Authorization: x\r\n" +
		"Connection: close, X-Drop-Me\r\nX-Drop-Me: 1\r\n\r\n"
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, req)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	h := <-seen
	for name, want := range map[string]string{
		"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": "localhost:8000", "X-Forwarded-Proto": "http",
		"Host": "localhost:8000", "Forwarded": "", "Proxy-Authorization": "", "X-Drop-Me": "",
		"X-Request-URI": "/a%2Fb/..%2f?x=1;y=2&z=%ZZ",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("app saw %s = %q, want %q", name, got, want)
		}
	}
	if loc := res.Header.Get("Location"); loc != "/next" {
		t.Errorf("Location = %q, want the internal address taken out", loc)
	}
}

// TestProxyStreamsSSE: each event reaches the client before the next is
// written, through the request log's wrapper.
func TestProxyStreamsSSE(t *testing.T) {
	next := make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			http.NewResponseController(w).Flush()
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	}))
	defer app.Close()
	addr, _ := start(t, Options{App: readyAt(app.Listener.Addr().String())})
	res, err := http.Get("http://" + addr + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	for i := range 3 {
		line, err := br.ReadString('\n')
		if err != nil || line != fmt.Sprintf("data: %d\n", i) {
			t.Fatalf("event %d: %q %v", i, line, err)
		}
		br.ReadString('\n')
		next <- struct{}{} // the app writes the next event only now
	}
}

// TestProxyWebSocket: an upgrade passes through the log wrapper (it unwraps
// to a Hijacker) and bytes flow both ways.
func TestProxyWebSocket(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" {
			http.Error(w, "no upgrade", 400)
			return
		}
		testkit.EchoUpgrade(w, r)
	}))
	defer app.Close()
	addr, log := start(t, Options{App: readyAt(app.Listener.Addr().String())})
	c, br := testkit.Upgrade(t, addr, "/ws")
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprint(c, "ping\n")
	if line, err := br.ReadString('\n'); err != nil || line != "echo:ping\n" {
		t.Errorf("echo: %q %v", line, err)
	}
	c.Close()
	testkit.WaitFor(t, 5*time.Second, "a 101 line in the request log", func() bool {
		return strings.Contains(log.String(), `"GET /ws HTTP/1.1" 101`)
	})
}

func TestStaticBeforeApp(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{"public/app.css": "css", "public/.env": "SECRET"})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "app:"+r.URL.Path) }))
	defer app.Close()
	addr, _ := start(t, Options{StaticDir: filepath.Join(root, "public"), StaticPrefix: "/static/", App: readyAt(app.Listener.Addr().String())})
	for target, want := range map[string]string{"/static/app.css": "css", "/static/missing.css": "app:/static/missing.css", "/": "app:/", "/static/.env": "app:/static/.env"} {
		if _, body := raw(t, addr, get(target)); body != want {
			t.Errorf("GET %s = %q, want %q", target, body, want)
		}
	}
}

// TestAStaticDirABuildMakes: a static.dir that does not exist yet (Hugo's
// public/, before its first build) answers 404 until it does, then is
// served; one that is a file is refused at once.
func TestAStaticDirABuildMakes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	addr, _ := start(t, Options{StaticDir: dir})
	if status, _ := raw(t, addr, get("/a.txt")); status != http.StatusNotFound {
		t.Errorf("before the build: %d, want 404", status)
	}
	testkit.WriteFile(t, filepath.Join(dir, "a.txt"), "built")
	if status, body := raw(t, addr, get("/a.txt")); status != http.StatusOK || body != "built" {
		t.Errorf("after the build: %d %q", status, body)
	}
	file := filepath.Join(t.TempDir(), "file")
	testkit.WriteFile(t, file, "x")
	if _, err := New(Options{StaticDir: file}); err == nil || !strings.Contains(err.Error(), "static.dir") {
		t.Errorf("New with a file as static.dir = %v", err)
	}
}

// serveOn runs Serve with s's handler on a fresh loopback listener until the
// test ends and returns the address.
func serveOn(t *testing.T, s *Server, opts ServeOptions) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = Serve(ctx, ln, s.Handler(), opts) }()
	t.Cleanup(func() { cancel(); <-done; s.Close() })
	return ln.Addr().String()
}

// serveUntil runs Serve with a server for opts on a fresh loopback listener
// and returns its address, the function that ends it, and Serve's result.
func serveUntil(t *testing.T, opts Options) (addr string, cancel func(), done <-chan error) {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, s.Handler(), ServeOptions{}) }()
	return ln.Addr().String(), cancel, served
}

func TestServeShutsDown(t *testing.T) {
	_, cancel, done := serveUntil(t, Options{StaticDir: t.TempDir()})
	cancel()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// TestCrossSiteLoadsOfStaticFilesAreBlocked: another site's page cannot
// load the project's scripts (SEC-05); links from it and same-site pages
// still work; every static answer says CORP same-origin for browsers that
// send no Sec-Fetch-* headers.
func TestCrossSiteLoadsOfStaticFilesAreBlocked(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{"app.js": "window.secret = 1"})
	addr, _ := start(t, Options{StaticDir: root})
	req := func(site, mode string) (int, string) {
		return raw(t, addr, "GET /app.js HTTP/1.1\r\nHost: localhost\r\nSec-Fetch-Site: "+site+"\r\nSec-Fetch-Mode: "+mode+"\r\nSec-Fetch-Dest: script\r\nConnection: close\r\n\r\n")
	}
	for _, mode := range []string{"no-cors", "cors"} {
		if status, body := req("cross-site", mode); status != http.StatusForbidden || strings.Contains(body, "secret") {
			t.Errorf("cross-site %s: %d %q", mode, status, body)
		}
	}
	for _, c := range [][2]string{{"cross-site", "navigate"}, {"same-site", "no-cors"}, {"same-origin", "no-cors"}, {"none", "navigate"}} {
		if status, _ := req(c[0], c[1]); status != http.StatusOK {
			t.Errorf("%s %s: %d, want 200", c[0], c[1], status)
		}
	}
	res, err := http.Get("http://" + addr + "/app.js")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Cross-Origin-Resource-Policy") != "same-origin" || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("headers %v", res.Header)
	}
}

// TestNotAnOpenProxy: an absolute-form target naming another server on this
// machine reaches the app, never that server (SEC-12); CONNECT is refused.
func TestNotAnOpenProxy(t *testing.T) {
	var forbidden atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { forbidden.Add(1) }))
	defer other.Close()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "app") }))
	defer app.Close()
	addr, _ := start(t, Options{App: readyAt(app.Listener.Addr().String())})
	target := other.Listener.Addr().String()
	for _, req := range []string{
		"GET http://" + target + "/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"GET http://" + target + "/ HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
		"GET /@" + target + "/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
	} {
		raw(t, addr, req)
	}
	if status, _ := raw(t, addr, "CONNECT "+target+" HTTP/1.1\r\nHost: "+target+"\r\n\r\n"); status != http.StatusMethodNotAllowed {
		t.Errorf("CONNECT: %d, want 405", status)
	}
	if n := forbidden.Load(); n != 0 {
		t.Errorf("the other server got %d requests through devserver", n)
	}
}

// TestHeaderLimits: oversized headers are refused before any handler (HTTP-02).
func TestHeaderLimits(t *testing.T) {
	s, err := New(Options{StaticDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	status, _ := raw(t, serveOn(t, s, ServeOptions{}), "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: "+strings.Repeat("a", 70<<10)+"\r\n\r\n")
	if status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("70 kB header: %d, want 431", status)
	}
}

// TestStaticHTTPSemantics: ranges cannot amplify a response, conditional
// requests give 304, HEAD answers GET's headers (HTTP-08).
func TestStaticHTTPSemantics(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{"a.txt": strings.Repeat("x", 1000)})
	addr, _ := start(t, Options{StaticDir: root})
	ranges := "bytes=" + strings.TrimSuffix(strings.Repeat("0-,", 500), ",")
	status, body := raw(t, addr, "GET /a.txt HTTP/1.1\r\nHost: localhost\r\nRange: "+ranges+"\r\nConnection: close\r\n\r\n")
	if len(body) > 1000 || (status != http.StatusOK && status != http.StatusRequestedRangeNotSatisfiable) {
		t.Errorf("500 overlapping ranges: %d with %d bytes", status, len(body))
	}
	res, err := http.Get("http://" + addr + "/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	lm := res.Header.Get("Last-Modified")
	status, _ = raw(t, addr, "GET /a.txt HTTP/1.1\r\nHost: localhost\r\nIf-Modified-Since: "+lm+"\r\nConnection: close\r\n\r\n")
	if status != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d, want 304", status)
	}
	head, err := http.Head("http://" + addr + "/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	if head.Header.Get("Content-Length") != "1000" || head.Header.Get("Content-Type") != res.Header.Get("Content-Type") {
		t.Errorf("HEAD headers %v, GET %v", head.Header, res.Header)
	}
}

// TestProxyIsTransparent: repeated Set-Cookie headers, trailers and a large
// streamed body pass through as the app sent them (HTTP-07).
func TestProxyIsTransparent(t *testing.T) {
	const big = 20 << 20
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cookies":
			for _, c := range []string{"a=1", "b=2", "c=3; HttpOnly"} {
				w.Header().Add("Set-Cookie", c)
			}
		case "/trailer":
			w.Header().Set("Trailer", "X-Checksum")
			fmt.Fprint(w, "body")
			w.Header().Set("X-Checksum", "abc")
		case "/upload":
			n, _ := io.Copy(io.Discard, r.Body)
			fmt.Fprint(w, n)
		}
	}))
	defer app.Close()
	addr, _ := start(t, Options{App: readyAt(app.Listener.Addr().String())})
	res, err := http.Get("http://" + addr + "/cookies")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Values("Set-Cookie"); len(got) != 3 || got[2] != "c=3; HttpOnly" {
		t.Errorf("Set-Cookie = %q", got)
	}
	res, err = http.Get("http://" + addr + "/trailer")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(res.Body)
	res.Body.Close()
	if got := res.Trailer.Get("X-Checksum"); got != "abc" {
		t.Errorf("trailer = %q", got)
	}
	// 20 MiB streamed through (the client does not know the length).
	pr, pw := io.Pipe()
	go func() {
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for range big / len(chunk) {
			pw.Write(chunk)
		}
		pw.Close()
	}()
	res, err = http.Post("http://"+addr+"/upload", "application/octet-stream", pr)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != fmt.Sprint(big) {
		t.Errorf("app received %s bytes, want %d", body, big)
	}
}

// TestNoDesyncBetweenProxyAndApp: for ambiguous framing (Content-Length
// with Transfer-Encoding, two Content-Lengths) the app sees exactly the
// requests devserver parsed and logged, no more (HTTP-06): Go lets
// Transfer-Encoding win (RFC 9112 6.3), refuses two Content-Lengths, and
// re-frames every request it forwards, so the two can never disagree on
// where one ends.
func TestNoDesyncBetweenProxyAndApp(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s %q", r.Method, r.URL.Path, b))
		mu.Unlock()
	}))
	defer app.Close()
	addr, log := start(t, Options{App: readyAt(app.Listener.Addr().String())})
	for _, req := range []string{
		"POST /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /second HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		"POST /b HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\nGET /hidden HTTP/1.1\r\nHost: localhost\r\n\r\n",
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, req)
		io.ReadAll(c) // until the server closes
		c.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{`POST /a ""`, `GET /second ""`} // the chunked body is empty
	if !slices.Equal(seen, want) {
		t.Errorf("the app saw %q, want %q", seen, want)
	}
	var logged []string
	for _, m := range regexp.MustCompile(`"(\w+) (/\w+) HTTP/1.1"`).FindAllStringSubmatch(log.String(), -1) {
		logged = append(logged, m[1]+" "+m[2])
	}
	if !slices.Equal(logged, []string{"POST /a", "GET /second"}) {
		t.Errorf("devserver logged %q", logged)
	}
}

// TestDenyListReadsNamesAsWindowsDoes (SEC-10, the part that runs here): a
// denied name stays denied with another case, a stream suffix, or trailing
// dots and spaces, which Windows drops; such files are refused here too.
// (8.3 short names need Windows itself; see docs/SECURITY.md.)
func TestDenyListReadsNamesAsWindowsDoes(t *testing.T) {
	for _, name := range []string{".ENV", ".env.", ".env ", ".env. .", ".env::$DATA", ".Git", "ID_RSA", "server.PEM.", "devserver.YAML"} {
		if !denied(name) {
			t.Errorf("%q is not denied", name)
		}
	}
	for _, name := range []string{"env", "index.html", "a:b.txt", "...", "notes.env.txt"} {
		if denied(name) {
			t.Errorf("%q is denied", name)
		}
	}
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{".env.": "SECRET=1", ".env ": "SECRET=2", "ok.txt": "fine"})
	addr, _ := start(t, Options{StaticDir: root})
	for _, target := range []string{"/.env.", "/.env%20", "/ok.txt"} {
		status, body := raw(t, addr, get(target))
		if strings.Contains(body, "SECRET") || target == "/ok.txt" && status != http.StatusOK {
			t.Errorf("GET %s: %d %q", target, status, body)
		}
	}
}
