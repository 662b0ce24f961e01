package server

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// pageGet loads target as a browser loads a page (or, with dest "empty", as
// a fetch) and returns the response with its body read.
func pageGet(t *testing.T, method, url, dest string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html,*/*")
	req.Header.Set("Sec-Fetch-Dest", dest)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultTransport.(*http.Transport).RoundTrip(req) // no transparent gzip
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

var scriptTag = regexp.MustCompile(`(?s)\n<script nonce="([^"]+)">.*EventSource\("/__devserver/livereload"\).*</script>\n$`)

// TestLiveReloadInjectsIntoPages: HTML documents loaded as pages, static
// and proxied, get the script once, at the end, with the Content-Length
// corrected and the validators dropped; everything else passes untouched.
func TestLiveReloadInjectsIntoPages(t *testing.T) {
	root := t.TempDir()
	const page = "<!doctype html><title>t</title><p>static page</p>"
	testkit.WriteTree(t, root, map[string]string{"public/index.html": page, "public/data.json": `{"a":1}`})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		html := "<!doctype html><p>app page " + r.URL.Path + "</p>"
		switch r.URL.Path {
		case "/gzip":
			if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				break
			}
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, html)
			zw.Close()
			return
		case "/br":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "br") // not decodable here: passed on
			io.WriteString(w, "not really brotli")
			return
		case "/error":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "<h1>Traceback</h1>")
			return
		case "/csp":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Security-Policy", "default-src 'none'")
			w.Header().Set("Content-Security-Policy-Report-Only", "script-src 'self'; report-uri /csp-report")
			io.WriteString(w, html)
			return
		case "/moved":
			http.Redirect(w, r, "/", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Length", strconv.Itoa(len(html)))
		io.WriteString(w, html)
	}))
	defer app.Close()
	lr := NewLiveReload()
	defer lr.Close()
	addr, _ := start(t, Options{StaticDir: filepath.Join(root, "public"), StaticPrefix: "/static/", App: readyAt(app.Listener.Addr().String()), LiveReload: lr})
	base := "http://" + addr

	injected := func(t *testing.T, res *http.Response, body, want string) {
		t.Helper()
		if !strings.HasPrefix(body, want) || !scriptTag.MatchString(body[len(want):]) {
			t.Fatalf("%s: body %q, want %q and the script", res.Request.URL.Path, body, want)
		}
		if res.ContentLength != -1 && res.ContentLength != int64(len(body)) {
			t.Errorf("Content-Length %d, body %d bytes", res.ContentLength, len(body))
		}
		if res.Header.Get("ETag") != "" || res.Header.Get("Last-Modified") != "" {
			t.Errorf("validators kept: %v", res.Header)
		}
	}
	t.Run("static page", func(t *testing.T) {
		res, body := pageGet(t, "GET", base+"/static/", "document")
		injected(t, res, body, page)
	})
	t.Run("app page", func(t *testing.T) {
		res, body := pageGet(t, "GET", base+"/", "document")
		injected(t, res, body, "<!doctype html><p>app page /</p>")
	})
	t.Run("app page in a frame, from an old browser", func(t *testing.T) {
		res, body := pageGet(t, "GET", base+"/x", "iframe")
		injected(t, res, body, "<!doctype html><p>app page /x</p>")
		res, body = pageGet(t, "GET", base+"/y", "")
		injected(t, res, body, "<!doctype html><p>app page /y</p>")
	})
	t.Run("gzip from the app is decoded", func(t *testing.T) {
		res, body := pageGet(t, "GET", base+"/gzip", "document", "Accept-Encoding", "gzip, br")
		if res.Header.Get("Content-Encoding") != "" {
			t.Fatalf("still encoded: %v", res.Header)
		}
		injected(t, res, body, "<!doctype html><p>app page /gzip</p>")
	})
	t.Run("both policies let the script in", func(t *testing.T) {
		res, body := pageGet(t, "GET", base+"/csp", "document")
		injected(t, res, body, "<!doctype html><p>app page /csp</p>")
		nonce := scriptTag.FindStringSubmatch(body[len("<!doctype html><p>app page /csp</p>"):])[1]
		for _, name := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
			if v := res.Header.Get(name); !strings.Contains(v, "'nonce-"+nonce+"'") {
				t.Errorf("%s: %q lacks the script's nonce", name, v)
			}
		}
	})
	t.Run("app error page", func(t *testing.T) {
		res, body := pageGet(t, "GET", base+"/error", "document")
		injected(t, res, body, "<h1>Traceback</h1>")
	})
	t.Run("HEAD", func(t *testing.T) {
		res, body := pageGet(t, "HEAD", base+"/static/index.html", "document")
		_, full := pageGet(t, "GET", base+"/static/index.html", "document")
		if body != "" || res.ContentLength != int64(len(full)) {
			t.Errorf("HEAD: Content-Length %d, body %q; GET gives %d bytes", res.ContentLength, body, len(full))
		}
	})
	untouched := []struct {
		name, method, path, dest string
		headers                  []string
		want                     string
	}{
		{"fetch of a fragment", "GET", "/", "empty", nil, "<!doctype html><p>app page /</p>"},
		{"htmx swap from an old browser", "GET", "/", "", []string{"HX-Request", "true"}, "<!doctype html><p>app page /</p>"},
		{"JSON", "GET", "/static/data.json", "document", nil, `{"a":1}`},
		{"unknown encoding", "GET", "/br", "document", nil, "not really brotli"},
		{"range", "GET", "/static/index.html", "document", []string{"Range", "bytes=0-8"}, page[:9]},
		{"redirect", "GET", "/moved", "document", nil, ""},
		{"POST", "POST", "/", "document", nil, "<!doctype html><p>app page /</p>"},
	}
	for _, c := range untouched {
		t.Run(c.name, func(t *testing.T) {
			_, body := pageGet(t, c.method, base+c.path, c.dest, c.headers...)
			if strings.Contains(body, "<script") || c.want != "" && body != c.want {
				t.Errorf("body %q, want %q untouched", body, c.want)
			}
		})
	}
	t.Run("not modified", func(t *testing.T) {
		res, _ := pageGet(t, "GET", base+"/static/index.html", "document", "If-Modified-Since", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("status %d, want 304", res.StatusCode)
		}
	})
}

// TestLiveReloadOffByDefault: without a LiveReload nothing is injected and
// the reserved path is devserver's, not the app's.
func TestLiveReloadOffByDefault(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!doctype html><p>from the app</p>")
	}))
	defer app.Close()
	addr, _ := start(t, Options{App: readyAt(app.Listener.Addr().String())})
	if _, body := pageGet(t, "GET", "http://"+addr+"/", "document"); body != "<!doctype html><p>from the app</p>" {
		t.Errorf("page: %q", body)
	}
	if res, body := pageGet(t, "GET", "http://"+addr+"/__devserver/livereload", "empty"); res.StatusCode != http.StatusNotFound || strings.Contains(body, "app") {
		t.Errorf("reserved path: %d %q", res.StatusCode, body)
	}
}

// TestErrorPagesReloadThemselves: devserver's own build-error page carries
// the script, allowed by its own CSP, so it goes away by itself when the
// next change fixes the build.
func TestErrorPagesReloadThemselves(t *testing.T) {
	lr := NewLiveReload()
	defer lr.Close()
	failed := upstream{ready: func(context.Context) (string, error) { return "", testFailure{} }}
	addr, _ := start(t, Options{App: failed, LiveReload: lr})
	res, body := pageGet(t, "GET", "http://"+addr+"/", "document")
	m := scriptTag.FindStringSubmatch(body)
	if res.StatusCode != http.StatusBadGateway || m == nil || !strings.Contains(body, "build failed") {
		t.Fatalf("%d %q", res.StatusCode, body)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'nonce-"+m[1]+"'") || !strings.Contains(csp, "connect-src 'self'") || !strings.HasPrefix(csp, "default-src 'none'") {
		t.Errorf("CSP %q does not let the script (nonce %s) run and connect, or lost default-src", csp, m[1])
	}
}

func TestAllowLiveReloadInCSP(t *testing.T) {
	const n = "N"
	for _, c := range []struct{ in, want string }{
		// Inherited from default-src: own directives, default-src kept.
		{"default-src 'none'", "default-src 'none'; script-src 'nonce-N'; connect-src 'self'"},
		{"default-src 'self'", "default-src 'self'; script-src 'self' 'nonce-N'"},
		// A nonce of the page's own: ours is added beside it.
		{"script-src 'nonce-abc' 'strict-dynamic'; connect-src https://api.example", "script-src 'nonce-abc' 'strict-dynamic' 'nonce-N'; connect-src https://api.example 'self'"},
		// 'unsafe-inline' alone already allows the script; a nonce would turn it off.
		{"script-src 'self' 'unsafe-inline'", "script-src 'self' 'unsafe-inline'"},
		// ...but not next to a hash, where browsers ignore it.
		{"script-src 'unsafe-inline' 'sha256-x'", "script-src 'unsafe-inline' 'sha256-x' 'nonce-N'"},
		// script-src-elem governs <script> elements when present.
		{"script-src 'none'; script-src-elem 'self'", "script-src 'none'; script-src-elem 'self' 'nonce-N'"},
		{"connect-src 'none'", "connect-src 'self'"},
		{"connect-src *; img-src data:", "connect-src *; img-src data:"},
		{"frame-ancestors 'none'", "frame-ancestors 'none'"},
		// Two policies in one value: each must allow it.
		{"script-src 'self', default-src 'none'", "script-src 'self' 'nonce-N', default-src 'none'; script-src 'nonce-N'; connect-src 'self'"},
	} {
		if got := allowLiveReload(c.in, n); got != c.want {
			t.Errorf("allowLiveReload(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// stream connects to the live-reload stream as a page would and returns its
// events, one "name data" string each, until the stream ends.
func stream(t *testing.T, addr string, headers ...string) (*http.Response, <-chan string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/__devserver/livereload", nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	events := make(chan string, 100)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(res.Body)
		var name string
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				name = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok {
				events <- name + " " + v
			}
		}
	}()
	return res, events
}

func next(t *testing.T, events <-chan string) string {
	t.Helper()
	select {
	case e, ok := <-events:
		if !ok {
			t.Fatal("stream ended")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	return ""
}

// TestLiveReloadStream: a page hears hello, then each change; a full
// reload wins over a stylesheet swap that it coalesced with.
func TestLiveReloadStream(t *testing.T) {
	lr := NewLiveReload()
	defer lr.Close()
	addr, log := start(t, Options{StaticDir: t.TempDir(), LiveReload: lr})
	res, events := stream(t, addr, "Sec-Fetch-Site", "same-origin")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
	if e := next(t, events); !strings.HasPrefix(e, `hello {"boot":"`+lr.boot+`","gen":0}`) {
		t.Fatalf("first event %q", e)
	}
	lr.ReloadCSS()
	if e := next(t, events); e != `css {"gen":1}` {
		t.Errorf("after ReloadCSS: %q", e)
	}
	lr.Reload()
	if e := next(t, events); e != `reload {"gen":2}` {
		t.Errorf("after Reload: %q", e)
	}
	lr.Close()
	for range events {
	}
	if strings.Contains(log.String(), "livereload") {
		t.Errorf("a page's stream was logged:\n%s", log)
	}
}

// TestLiveReloadStreamIsSameOriginOnly: another site's page, another port
// of localhost, and a forged Origin are refused (SEC-04), and no answer ever
// carries a CORS header.
func TestLiveReloadStreamIsSameOriginOnly(t *testing.T) {
	lr := NewLiveReload()
	defer lr.Close()
	addr, _ := start(t, Options{StaticDir: t.TempDir(), LiveReload: lr})
	for _, c := range []struct {
		name    string
		headers []string
		want    int
	}{
		{"cross-site page", []string{"Sec-Fetch-Site", "cross-site", "Origin", "http://evil.example"}, 403},
		{"other port of localhost", []string{"Sec-Fetch-Site", "same-site", "Origin", "http://localhost:1"}, 403},
		{"foreign Origin, no Sec-Fetch", []string{"Origin", "http://evil.example"}, 403},
		{"null Origin", []string{"Origin", "null"}, 403},
		{"IP-address Origin", []string{"Origin", "http://192.168.1.66"}, 403},
		{"own Origin, no Sec-Fetch", []string{"Origin", "http://" + addr}, 200},
		{"typed into the address bar", []string{"Sec-Fetch-Site", "none"}, 200},
		{"not a browser", nil, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, _ := stream(t, addr, c.headers...)
			res.Body.Close()
			if res.StatusCode != c.want || res.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("status %d (want %d), ACAO %q", res.StatusCode, c.want, res.Header.Get("Access-Control-Allow-Origin"))
			}
		})
	}
	req, _ := http.NewRequest("POST", "http://"+addr+"/__devserver/livereload", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", res.StatusCode)
	}
}

// TestReservedPathsStayDevservers: nothing under /__devserver/ reaches the
// app, whatever the method or the site asking, and nothing there but the
// stream answers (SEC-06: no endpoint of devserver's changes anything).
func TestReservedPathsStayDevservers(t *testing.T) {
	var hits atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer app.Close()
	lr := NewLiveReload()
	defer lr.Close()
	addr, _ := start(t, Options{App: readyAt(app.Listener.Addr().String()), LiveReload: lr})
	for _, method := range []string{"GET", "POST", "PUT", "DELETE"} {
		for _, path := range []string{"/__devserver/", "/__devserver/restart", "/__devserver/livereload/x", "/__devserver/../__devserver/x"} {
			status, _ := raw(t, addr, method+" "+path+" HTTP/1.1\r\nHost: localhost\r\nSec-Fetch-Site: cross-site\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			if status != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 404", method, path, status)
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the app saw %d requests for devserver's paths", n)
	}
}

// TestLiveReloadSlowPages: pages that never read, and pages that go away,
// hold up neither the caller of Reload nor the pages that read (LOAD-03);
// each reading page ends up told the latest state.
func TestLiveReloadSlowPages(t *testing.T) {
	lr := NewLiveReload()
	defer lr.Close()
	addr, _ := start(t, Options{StaticDir: t.TempDir(), LiveReload: lr})
	const readers, stalled, leaving = 20, 20, 20
	for range stalled {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET /__devserver/livereload HTTP/1.1\r\nHost: localhost\r\n\r\n") // and never read
	}
	var quit []*http.Response
	for range leaving {
		res, _ := stream(t, addr)
		quit = append(quit, res)
	}
	var streams []<-chan string
	for range readers {
		_, events := stream(t, addr)
		next(t, events) // hello
		streams = append(streams, events)
	}
	testkit.WaitFor(t, 10*time.Second, "every page connected", func() bool { return lr.Clients() == readers+stalled+leaving })
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 1000 {
			if i == 500 {
				for _, res := range quit {
					res.Body.Close()
				}
			}
			lr.ReloadCSS()
		}
		lr.Reload()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Reload blocked")
	}
	var wg sync.WaitGroup
	for i, events := range streams {
		wg.Go(func() {
			deadline := time.After(20 * time.Second)
			for {
				select {
				case e, ok := <-events:
					if !ok {
						t.Errorf("page %d: the stream ended before the last reload", i)
						return
					}
					if e == `reload {"gen":1001}` {
						return
					}
				case <-deadline:
					t.Errorf("page %d never heard the last reload", i)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestShutdownEndsLiveReloadStreams: a page's stream ends cleanly as soon as
// its server shuts down (a rebind, Ctrl+C), instead of holding the shutdown
// until it is cut.
func TestShutdownEndsLiveReloadStreams(t *testing.T) {
	lr := NewLiveReload()
	defer lr.Close()
	addr, cancel, served := serveUntil(t, Options{StaticDir: t.TempDir(), LiveReload: lr})
	res, err := http.Get("http://" + addr + "/__devserver/livereload")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	if line, _ := br.ReadString('\n'); line != "retry: 1000\n" {
		t.Fatalf("first line %q", line)
	}
	cancel()
	_, err = io.Copy(io.Discard, br)
	if err != nil {
		t.Errorf("stream cut rather than ended: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// TestStreamsOutliveTimeouts (HTTP-03): a proxied event stream and the
// live-reload stream keep delivering, event by event, for many times the
// server's header timeout; there is no write timeout to cut them.
func TestStreamsOutliveTimeouts(t *testing.T) {
	const timeout, events = 50 * time.Millisecond, 15
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range events {
			fmt.Fprintf(w, "data: %d\n\n", i)
			http.NewResponseController(w).Flush()
			time.Sleep(2 * timeout) // the stream's own pace
		}
	}))
	defer app.Close()
	lr := NewLiveReload()
	defer lr.Close()
	s, err := New(Options{App: readyAt(app.Listener.Addr().String()), LiveReload: lr})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveOn(t, s, ServeOptions{ReadHeaderTimeout: timeout})

	_, live := stream(t, addr)
	next(t, live) // hello
	res, err := http.Get("http://" + addr + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	for i := range events {
		line, err := br.ReadString('\n')
		if err != nil || line != fmt.Sprintf("data: %d\n", i) {
			t.Fatalf("proxied event %d: %q %v", i, line, err)
		}
		br.ReadString('\n')
		lr.Reload()
		if e := next(t, live); e != fmt.Sprintf(`reload {"gen":%d}`, i+1) {
			t.Fatalf("live-reload event %d: %q", i, e)
		}
	}
}
