package server

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestOnlyThisOriginsPagesReport: a report is taken only from a page of
// this origin that carries the key its page was given; another origin, a
// page without the key, a GET, or a body over the bound are refused; what
// a page sends is stripped of control characters (no line of devserver's
// own can be forged) and bounded; past the burst, reports are dropped.
func TestOnlyThisOriginsPagesReport(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{"index.html": "<!doctype html><p>hi</p>"})
	lr := NewLiveReload()
	var mu sync.Mutex
	var got []BrowserError
	lr.OnBrowserErrors(func(e BrowserError) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	})
	addr, _ := start(t, Options{StaticDir: root, LiveReload: lr})
	_, page := pageGet(t, "GET", "http://"+addr+"/", "document")
	m := regexp.MustCompile(`var key = "([0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page's script has no key:\n%s", page)
	}
	key := m[1]
	if !strings.HasPrefix(page, "<!doctype html><script nonce=") || !strings.Contains(page[:300], "__devserverErrors") {
		t.Errorf("the page does not catch its errors first, after its doctype:\n%s", page[:min(300, len(page))])
	}
	post := func(body string, headers ...string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+browserErrorsPath, strings.NewReader(body))
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	same := []string{"Sec-Fetch-Site", "same-origin", "Content-Type", "application/json"}
	forged := `{"key":"` + key + `","page":"/","message":"boom\n12:00:00 devserver  restarting app\u2028x","source":"http://h/app.js","line":3,"column":5,"stack":"a\nb"}`
	for _, c := range []struct {
		name    string
		code    int
		body    string
		headers []string
	}{
		{"another site's page", 403, forged, []string{"Sec-Fetch-Site", "cross-site"}},
		{"another origin, no fetch metadata", 403, forged, []string{"Origin", "http://evil.test"}},
		{"no key", 403, `{"message":"x"}`, same},
		{"a wrong key", 403, `{"key":"00","message":"x"}`, same},
		{"not JSON", 400, "boom", same},
		{"over the bound", 400, `{"key":"` + key + `","message":"` + strings.Repeat("x", maxReportBody) + `"}`, same},
		{"this origin's page", 204, forged, same},
	} {
		if code := post(c.body, c.headers...); code != c.code {
			t.Errorf("%s: %d, want %d", c.name, code, c.code)
		}
	}
	if res, _ := pageGet(t, "GET", "http://"+addr+browserErrorsPath, "empty"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", res.StatusCode)
	}
	mu.Lock()
	if len(got) != 1 || strings.ContainsAny(got[0].Message, "\n\u2028") || got[0].Line != 3 || len(got[0].Stack) != 2 {
		t.Errorf("taken: %+v", got)
	}
	mu.Unlock()
	for range 3 * reportsBurst {
		post(`{"key":"`+key+`","message":"`+strings.Repeat("y", 3*maxReportField)+`"}`, same...)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := len(got); n < reportsBurst || n >= 2*reportsBurst {
		t.Errorf("%d reports taken of %d sent at once, want about the burst of %d", n, 3*reportsBurst+1, reportsBurst)
	}
	if l := len(got[len(got)-1].Message); l > maxReportField+len("…") {
		t.Errorf("a message of %d bytes was kept whole", l)
	}
}
