package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/devserver/devserver/internal/testkit"
)

// crash is a failure whose output is long, coloured, and points at a file
// of the project.
type crash struct{ detail string }

func (crash) Error() string    { return "app exited" }
func (crash) Title() string    { return "app exited (exit status 1)" }
func (c crash) Detail() string { return c.detail }

// TestAnErrorPageWorthReading: the page renders the output's colours,
// keeps its first lines one click away and says how many, shows the source
// around the line the output points at, and its two buttons work — for
// this server's own pages only, and for files of the project only.
func TestAnErrorPageWorthReading(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{"app/views.py": "import x\n\ndef index(r):\n    return <oops>\n\nok = 1\n"})
	var out strings.Builder
	for i := range 50 {
		fmt.Fprintf(&out, "noise %d\n", i)
	}
	out.WriteString("Traceback (most recent call last):\n  File \"" + filepath.Join(root, "app", "views.py") + "\", line 4\n")
	out.WriteString("\x1b[31mSyntaxError\x1b[0m: invalid syntax\n")
	var mu sync.Mutex
	var edited []string
	restarts := 0
	app := upstream{ready: func(context.Context) (string, error) { return "", crash{out.String()} }}
	addr, _ := start(t, Options{App: app, Root: root,
		Edit: func(path string, line, col int) error {
			mu.Lock()
			defer mu.Unlock()
			edited = append(edited, fmt.Sprint(path, ":", line))
			return nil
		},
		Restart: func() { mu.Lock(); defer mu.Unlock(); restarts++ }})

	status, body := raw(t, addr, "GET / HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\nConnection: close\r\n\r\n")
	for _, want := range []string{
		`<span style="color:#c0392b">SyntaxError</span>: invalid syntax`,
		"<details><summary>13 earlier lines</summary><pre>noise 0\n",
		`<h2>app/views.py:4</h2>`,
		`<span class="here">    4 |     return &lt;oops&gt;</span>`,
		`<input type="hidden" name="file" value="app/views.py">`,
		`<button>Restart the app</button>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page (%d) has no %q:\n%s", status, want, body)
		}
	}
	if strings.Contains(body, "\x1b") {
		t.Error("raw escapes on the page")
	}
	_, text := raw(t, addr, get("/"))
	if !strings.Contains(text, ">    4 |     return <oops>\n") || !strings.Contains(text, "SyntaxError: invalid syntax") || !strings.Contains(text, "noise 0\n") {
		t.Errorf("the text page:\n%s", text)
	}

	post := func(path, origin string, form url.Values) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
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
	res := post(RestartPath, own, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/polls/?q=1" {
		t.Errorf("restart: %d to %q, want 303 back to the page", res.StatusCode, res.Header.Get("Location"))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(edited) != 1 || edited[0] != filepath.Join(root, "app", "views.py")+":4" || restarts != 1 {
		t.Errorf("edited %q, restarted %d times; want the one file once and one restart", edited, restarts)
	}
}
