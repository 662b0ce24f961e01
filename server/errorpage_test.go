package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// crash is a failure whose output is long, coloured, and points at a file
// of the project.
type crash struct{ detail string }

func (crash) Error() string    { return "app exited" }
func (crash) Title() string    { return "app exited (exit status 1)" }
func (c crash) Detail() string { return c.detail }

// TestAnErrorPageWorthReading: the page leads with the error's message,
// what failed under it, renders the output's colours,
// keeps its first lines one click away and says how many, shows the source
// around the line the output points at with the message under its column,
// and its two buttons work — for
// this server's own pages only, and for files of the project only.
func TestAnErrorPageWorthReading(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{"app/views.py": "import x\n\ndef index(r):\n    return <oops>\n\nok = 1\n"})
	var out strings.Builder
	for i := range 50 {
		fmt.Fprintf(&out, "noise %d\n", i)
	}
	out.WriteString("Traceback (most recent call last):\n  File \"" + filepath.Join(root, "app", "views.py") + "\", line 4\n")
	out.WriteString("    return <oops>\n           ^\n\x1b[31mSyntaxError\x1b[0m: invalid syntax\n")
	var mu sync.Mutex
	var edited []string
	restarts, restarted := 0, ""
	app := upstream{ready: func(context.Context) (string, error) { return "", crash{out.String()} }}
	addr, _ := start(t, Options{App: app, Root: root,
		Edit: func(path string, line, col int) error {
			mu.Lock()
			defer mu.Unlock()
			edited = append(edited, fmt.Sprint(path, ":", line))
			return nil
		},
		Restart: func(unit string) { mu.Lock(); defer mu.Unlock(); restarts++; restarted = unit }})

	status, body := raw(t, addr, "GET / HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\nConnection: close\r\n\r\n")
	for _, want := range []string{
		`<span style="color:#c0392b">SyntaxError</span>: invalid syntax`,
		"<details><summary>15 earlier lines</summary><pre>noise 0\n",
		`<h1>SyntaxError: invalid syntax</h1><p class="sub">app exited (exit status 1)</p>`,
		`<h2>app/views.py:4:12</h2>`,
		"<span class=\"here\">    4 |     return &lt;oops&gt;</span>\n<span class=\"mark\">      |            ^ SyntaxError: invalid syntax</span>",
		`<input type="hidden" name="file" value="app/views.py">`,
		`<input type="hidden" name="unit" value="app"><button>Restart the app</button>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page (%d) has no %q:\n%s", status, want, body)
		}
	}
	if strings.Contains(body, "\x1b") {
		t.Error("raw escapes on the page")
	}
	_, text := raw(t, addr, get("/"))
	if !strings.Contains(text, ">    4 |     return <oops>\n       |            ^ SyntaxError: invalid syntax\n") || !strings.Contains(text, "SyntaxError: invalid syntax") || !strings.Contains(text, "noise 0\n") {
		t.Errorf("the text page:\n%s", text)
	}

	token := pageToken(t, body)
	post := func(path, origin string, form url.Values) *http.Response {
		if form == nil {
			form = url.Values{}
		}
		if !form.Has("token") {
			form.Set("token", token)
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if site, ok := strings.CutPrefix(origin, "Sec-Fetch-Site: "); ok {
			req.Header.Set("Sec-Fetch-Site", site)
		} else if origin != "" {
			req.Header.Set("Origin", origin)
		}
		req.Header.Set("Referer", "http://"+addr+"/polls/?q=1")
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	own := "http://" + addr
	file := func(f string) url.Values { return url.Values{"file": {f}, "line": {"4"}, "col": {"0"}} }
	for _, c := range []struct {
		name, origin, file string
		want               int
	}{
		{"from the page", own, "app/views.py", http.StatusNoContent},
		{"from another site", "http://evil.test", "app/views.py", http.StatusForbidden},
		{"from no page", "", "app/views.py", http.StatusForbidden},
		{"typed or bookmarked", "Sec-Fetch-Site: none", "app/views.py", http.StatusForbidden},
		{"out of the project", own, "../../etc/passwd", http.StatusForbidden},
		{"absolute", own, "/etc/passwd", http.StatusForbidden},
	} {
		if res := post(EditPath, c.origin, file(c.file)); res.StatusCode != c.want {
			t.Errorf("open %s: %d, want %d", c.name, res.StatusCode, c.want)
		}
	}
	if res := post(RestartPath, "http://evil.test", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("a restart from another site: %d", res.StatusCode)
	}
	if res := post(RestartPath, own, url.Values{"token": {"guessed"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a restart without the page's token: %d", res.StatusCode)
	}
	res := post(RestartPath, own, url.Values{"unit": {"app"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/polls/?q=1" {
		t.Errorf("restart: %d to %q, want 303 back to the page", res.StatusCode, res.Header.Get("Location"))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(edited) != 1 || edited[0] != filepath.Join(root, "app", "views.py")+":4" || restarts != 1 || restarted != "app" {
		t.Errorf("edited %q, restarted %d times; want the one file once and one restart", edited, restarts)
	}
}

// pageToken is the token in an error page's forms.
func pageToken(t *testing.T, page string) string {
	t.Helper()
	_, after, ok := strings.Cut(page, `name="token" value="`)
	token, _, _ := strings.Cut(after, `"`)
	if !ok || len(token) < 20 {
		t.Fatalf("no token in the page:\n%s", page)
	}
	return token
}

// TestTheButtonsAreForThisMachineOnly: a peer on the network (the lan
// profile), a request through a proxy or tunnel in front (it forwards from
// loopback but says so), and any server whose allowed_hosts lets in a name
// that need not be this machine, see no buttons and no token, and a press
// with every header a browser would send, token included, is refused and
// logged with the peer.
func TestTheButtonsAreForThisMachineOnly(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{"main.go": "package main\n"})
	failing := upstream{ready: func(context.Context) (string, error) {
		return "", crash{root + "/main.go:1:1: undefined: x\n"}
	}}
	newServer := func(allowed ...string) (*Server, *int, *strings.Builder) {
		var log strings.Builder
		restarts := 0
		s, err := New(Options{App: failing, Root: root, AllowedHosts: allowed, BindAddr: "0.0.0.0",
			Logger:  slog.New(slog.NewTextHandler(&log, nil)),
			Edit:    func(string, int, int) error { return nil },
			Restart: func(string) { restarts++ }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, &restarts, &log
	}
	do := func(s *Server, r *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, r)
		return rec
	}
	page := func(s *Server, peer string, header ...string) string {
		r := httptest.NewRequest(http.MethodGet, "http://localhost:8000/", nil)
		r.RemoteAddr = peer
		r.Header.Set("Accept", "text/html")
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return do(s, r).Body.String()
	}
	press := func(s *Server, peer, token string, header ...string) int {
		r := httptest.NewRequest(http.MethodPost, "http://localhost:8000"+RestartPath, strings.NewReader("token="+token))
		r.RemoteAddr = peer
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.Header.Set("Origin", "http://localhost:8000")
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return do(s, r).Code
	}

	s, restarts, log := newServer(".example.test", "192.168.1.5")
	token := pageToken(t, page(s, "127.0.0.1:50000"))
	if got := press(s, "[::1]:50000", token); got != http.StatusSeeOther || *restarts != 1 {
		t.Errorf("this machine's press: %d, %d restarts; want 303 and one", got, *restarts)
	}
	for _, c := range []struct {
		name   string
		peer   string
		header []string
	}{
		{"a peer on the network", "192.168.1.20:50000", nil},
		{"a peer by IPv6", "[fe80::1]:50000", nil},
		{"a tunnel (X-Forwarded-For)", "127.0.0.1:50000", []string{"X-Forwarded-For", "203.0.113.7"}},
		{"a proxy (Forwarded)", "127.0.0.1:50000", []string{"Forwarded", "for=203.0.113.7"}},
	} {
		if body := page(s, c.peer, c.header...); strings.Contains(body, token) || strings.Contains(body, "<form") {
			t.Errorf("%s is shown the buttons:\n%s", c.name, body)
		}
		if got := press(s, c.peer, token, c.header...); got != http.StatusForbidden {
			t.Errorf("%s pressed restart: %d, want 403", c.name, got)
		}
		if !strings.Contains(log.String(), "peer="+c.peer) {
			t.Errorf("the log does not name %s:\n%s", c.peer, log)
		}
	}
	if *restarts != 1 {
		t.Errorf("%d restarts; only this machine's press counts", *restarts)
	}

	for _, allowed := range []string{"*", "abc.ngrok.app", ".trycloudflare.com"} {
		s, restarts, _ := newServer(allowed)
		body := page(s, "127.0.0.1:50000")
		if strings.Contains(body, "<form") {
			t.Errorf("allowed_hosts %q: buttons shown", allowed)
		}
		// Even with the token (never shown here), nothing is done.
		if got := press(s, "127.0.0.1:50000", s.buttons.token); got != http.StatusForbidden || *restarts != 0 {
			t.Errorf("allowed_hosts %q: a press answered %d", allowed, got)
		}
	}
}
