package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// named is an app that answers with its name and the path it got.
func named(t *testing.T, name string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", name, r.URL.RequestURI())
	}))
	t.Cleanup(s.Close)
	return s
}

// TestRoutesByPrefix: the longest prefix wins, a prefix takes itself and
// what is under it but not a longer name, the path is passed on as it is,
// and what no route takes goes to the app.
func TestRoutesByPrefix(t *testing.T) {
	app, api, web := named(t, "app"), named(t, "api"), named(t, "web")
	addr, _ := start(t, Options{App: readyAt(app.Listener.Addr().String()), Routes: []Route{
		{Prefix: "/", Name: "web", Upstream: readyAt(web.Listener.Addr().String())},
		{Prefix: "/api/", Name: "api", Upstream: readyAt(api.Listener.Addr().String())},
	}})
	for path, want := range map[string]string{
		"/":          "web /",
		"/page?q=1":  "web /page?q=1",
		"/api":       "api /api",
		"/api/users": "api /api/users",
		"/apix":      "web /apix",
	} {
		if status, body := raw(t, addr, get(path)); status != 200 || body != want {
			t.Errorf("GET %s: %d %q, want %q", path, status, body, want)
		}
	}
	// Without a route for /, the app takes the rest.
	addr, _ = start(t, Options{App: readyAt(app.Listener.Addr().String()), Routes: []Route{
		{Prefix: "/api", Name: "api", Upstream: readyAt(api.Listener.Addr().String())},
	}})
	if _, body := raw(t, addr, get("/other")); body != "app /other" {
		t.Errorf("GET /other: %q, want the app's", body)
	}
}

// TestARouteToAURLThatIsDown: a server devserver does not run that refuses
// connections gets a page naming its URL and the route, at once.
func TestARouteToAURLThatIsDown(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	up := named(t, "legacy")
	u, _ := url.Parse(down)
	v, _ := url.Parse(up.URL)
	addr, _ := start(t, Options{Routes: []Route{
		{Prefix: "/old", Name: down, Upstream: URLUpstream(u, "/old")},
		{Prefix: "/legacy", Name: up.URL, Upstream: URLUpstream(v, "/legacy")},
	}})
	status, body := raw(t, addr, get("/old/x"))
	if status != http.StatusBadGateway || !strings.Contains(body, "Nothing answers at "+down) || !strings.Contains(body, "The route /old sends requests to "+down) {
		t.Errorf("GET /old/x: %d\n%s", status, body)
	}
	if _, body := raw(t, addr, get("/legacy/y")); body != "legacy /legacy/y" {
		t.Errorf("GET /legacy/y: %q", body)
	}
}

// TestReloadsShowWhatWasSaved: a response that says nothing of caching is
// revalidated (Cache-Control: no-cache), through the proxy and from
// devserver's own static files, so a reload after a stylesheet edit shows
// it; a response that sets its own caching keeps it.
func TestReloadsShowWhatWasSaved(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Last-Modified", "Mon, 30 Nov 2026 10:00:00 GMT")
		if r.URL.Path == "/cached.css" {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		fmt.Fprint(w, "body{}")
	}))
	defer app.Close()
	dir := t.TempDir()
	testkit.WriteFile(t, filepath.Join(dir, "site.css"), "h1{}")
	addr, _ := start(t, Options{App: readyAt(app.Listener.Addr().String()), StaticDir: dir, StaticPrefix: "/static/"})
	for path, want := range map[string]string{"/app.css": "no-cache", "/cached.css": "public, max-age=3600", "/static/site.css": "no-cache"} {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Cache-Control"); got != want {
			t.Errorf("GET %s: Cache-Control %q, want %q", path, got, want)
		}
	}
}

// TestAbandonedRequestsAreLoggedSo: a request whose client gave up while it
// was held is logged as abandoned (499), not as "200 0"; an answer the
// client stopped reading is logged as cut short.
func TestAbandonedRequestsAreLoggedSo(t *testing.T) {
	held := upstream{ready: func(ctx context.Context) (string, error) { <-ctx.Done(); return "", ctx.Err() }}
	addr, log := start(t, Options{App: held})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c, "GET /held HTTP/1.1\r\nHost: localhost\r\n\r\n")
	c.Close()
	testkit.WaitFor(t, 10*time.Second, "the log line", func() bool { return strings.Contains(log.String(), "/held") })
	if line := log.String(); !strings.Contains(line, `"GET /held HTTP/1.1" 499 0`) || !strings.Contains(line, "(client went away before the answer)") {
		t.Errorf("the log says %q", line)
	}

	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; r.Context().Err() == nil && i < 100_000; i++ {
			_, _ = w.Write([]byte(strings.Repeat("x", 4096)))
		}
	}))
	defer endless.Close()
	addr, log = start(t, Options{App: readyAt(endless.Listener.Addr().String())})
	c, err = net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c, "GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n")
	buf := make([]byte, 64<<10)
	if _, err := io.ReadAtLeast(c, buf, len(buf)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	testkit.WaitFor(t, 20*time.Second, "the log line", func() bool { return strings.Contains(log.String(), "/big") })
	if line := log.String(); !strings.Contains(line, `"GET /big HTTP/1.1" 200 `) || !strings.Contains(line, "(cut short: the client went away)") {
		t.Errorf("the log says %q", line)
	}
}
