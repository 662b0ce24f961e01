//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/browser"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// openBrowser starts headless Chromium for the test, or skips it saying
// why there is none.
func openBrowser(t *testing.T, flags ...string) *browser.Browser {
	t.Helper()
	path, err := browser.Find()
	if err != nil {
		t.Skipf("no browser for the end-to-end test: %v", err)
	}
	b, err := browser.Start(path, t.TempDir(), flags...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// waitPage evaluates expr in the page until its value, as JSON, is want.
// Evaluation fails while the page reloads; that is retried too.
func waitPage(t *testing.T, d *devserver, p *browser.Page, what, expr, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var got string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		v, err := p.Eval(ctx, expr)
		cancel()
		got = string(v)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s is %s, want %s\ndevserver stderr:\n%s", what, expr, got, want, d.Stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func evalPage(t *testing.T, p *browser.Page, expr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := p.Eval(ctx, expr)
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// TestLiveReloadInABrowser is live reload as a user sees it, in a real
// browser: the page of an app with a strict Content-Security-Policy shows
// an edit by itself once the app has restarted; a stylesheet edit is
// swapped in without reloading the page; a failed build and an app that
// exits show their error pages by themselves, and the fix brings the app's
// page back. The test never reloads the page, and the config does not
// turn live reload on: it is on by default.
func TestLiveReloadInABrowser(t *testing.T) {
	t.Parallel()
	needBinary(t)
	b := openBrowser(t)
	self := appBinary(t)
	dir := t.TempDir()
	write := func(name, content string) { testkit.WriteFile(t, filepath.Join(dir, name), content) }
	page := func(version string) string {
		return `<!doctype html><html><head><title>app</title><link rel="stylesheet" href="/static/site.css"></head>` +
			`<body><h1 id="v">` + version + `</h1></body></html>`
	}
	write("page.html", page("version 1"))
	write("public/site.css", "h1 { color: rgb(255, 0, 0) }")
	// Live reload is on by default: the config does not ask for it.
	write("devserver.yaml", fmt.Sprintf(`port: 0
static: {dir: public, prefix: /static/}
app:
  build: test ! -e broken
  run: %s
  env:
    FAKEAPP: ""
    PAGE: page.html
    CSP: "default-src 'none'; style-src 'self'"
  ready_timeout: 20s
  stop_timeout: 1s
watch:
  interval: 100ms
  debounce: 50ms
`, strconv.Quote(self)))
	d := startDevserver(t, dir, nil)
	if !strings.Contains(d.Stdout.String(), "  Reload    open pages reload by themselves") {
		t.Errorf("the banner does not say live reload is on:\n%s", d.Stdout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := b.Open(ctx, d.URL+"page")
	if err != nil {
		t.Fatal(err)
	}
	const heading = `document.getElementById("v") && document.getElementById("v").textContent`
	const color = `document.getElementById("v") && getComputedStyle(document.getElementById("v")).color`
	waitPage(t, d, p, "first load", heading, `"version 1"`)
	waitPage(t, d, p, "first load", color, `"rgb(255, 0, 0)"`)
	// The page is connected before anything changes, so that each step
	// below is a change it is told about, not one it finds on connecting.
	waitPage(t, d, p, "live-reload script", `window.__devserverLiveReload === true`, "true")

	t.Run("app edit reloads the page once the app is back", func(t *testing.T) {
		evalPage(t, p, "window.marker = 1")
		write("page.html", page("version 2"))
		waitPage(t, d, p, "after the edit", heading, `"version 2"`)
		if m := evalPage(t, p, "typeof window.marker"); m != `"undefined"` {
			t.Errorf("the page was not reloaded (marker still set: %s)", m)
		}
	})
	t.Run("stylesheet edit is swapped in place", func(t *testing.T) {
		waitPage(t, d, p, "script", `window.__devserverLiveReload === true`, "true")
		evalPage(t, p, "window.marker = 2")
		write("public/site.css", "h1 { color: rgb(0, 0, 255) }")
		waitPage(t, d, p, "after the CSS edit", color, `"rgb(0, 0, 255)"`)
		if m := evalPage(t, p, "window.marker"); m != "2" {
			t.Errorf("the page was reloaded for a stylesheet (marker %s)", m)
		}
		if n := evalPage(t, p, `document.querySelectorAll('link[rel="stylesheet"]').length`); n != "1" {
			t.Errorf("%s stylesheets after the swap, want 1", n)
		}
	})
	t.Run("failed build shows its page, and the fix the app", func(t *testing.T) {
		write("broken", "")
		waitPage(t, d, p, "after breaking the build", `document.title.startsWith("build failed")`, "true")
		if err := os.Remove(filepath.Join(dir, "broken")); err != nil {
			t.Fatal(err)
		}
		waitPage(t, d, p, "after fixing the build", heading, `"version 2"`)
	})
	t.Run("app that exits shows its page, and the next edit the app", func(t *testing.T) {
		waitPage(t, d, p, "script", `window.__devserverLiveReload === true`, "true")
		testkit.Get(t, d.URL+"exit") // the app exits while answering: a 502 page
		waitPage(t, d, p, "after the app exited", `document.title.startsWith("app exited")`, "true")
		write("page.html", page("version 3"))
		waitPage(t, d, p, "after the next edit", heading, `"version 3"`)
	})
}

// TestLiveReloadOverHTTPS: with `tls: auto` the page, its event stream
// (over HTTP/2) and the reload all work in a browser. The browser is told
// to accept the certificate rather than trust the test's CA system-wide.
func TestLiveReloadOverHTTPS(t *testing.T) {
	t.Parallel()
	needBinary(t)
	b := openBrowser(t, "--ignore-certificate-errors")
	dir := t.TempDir()
	page := func(v string) string { return "<!doctype html><title>tls</title><h1 id=v>" + v + "</h1>" }
	testkit.WriteFile(t, filepath.Join(dir, "index.html"), page("over tls 1"))
	testkit.WriteFile(t, filepath.Join(dir, "devserver.yaml"), "port: 0\ntls: auto\nlivereload: true\nwatch:\n  interval: 100ms\n")
	d := startDevserver(t, dir, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := b.Open(ctx, d.URL)
	if err != nil {
		t.Fatal(err)
	}
	const heading = `document.getElementById("v") && document.getElementById("v").textContent`
	waitPage(t, d, p, "first load", heading, `"over tls 1"`)
	waitPage(t, d, p, "over HTTP/2", `performance.getEntriesByType("navigation")[0].nextHopProtocol`, `"h2"`)
	waitPage(t, d, p, "live-reload script", `window.__devserverLiveReload === true`, "true")
	testkit.WriteFile(t, filepath.Join(dir, "index.html"), page("over tls 2"))
	waitPage(t, d, p, "after the edit", heading, `"over tls 2"`)
}

// TestErrorPageInABrowser: an app that crashes pointing at a line of the
// project shows, in a real browser, that line in a code frame, and the
// page's button opens it in the editor ($VISUAL, here a script that notes
// what it was asked), through the page's own same-origin POST.
func TestErrorPageInABrowser(t *testing.T) {
	t.Parallel()
	b := openBrowser(t)
	dir := t.TempDir()
	bin := t.TempDir()
	asked := filepath.Join(t.TempDir(), "asked")
	testkit.WriteTree(t, dir, map[string]string{
		"main.go":        "package main\n\nfunc main() { undefinedThing() }\n",
		"devserver.yaml": "port: 0\nwatch: {enabled: false}\napp:\n  run: \"printf '\\\\033[1m./main.go:3:15:\\\\033[0m undefined: undefinedThing\\\\n' >&2; exit 1\"\n",
	})
	testkit.WriteFile(t, filepath.Join(bin, "code"), "#!/bin/sh\necho \"$@\" >> "+asked+"\n")
	if err := os.Chmod(filepath.Join(bin, "code"), 0o755); err != nil {
		t.Fatal(err)
	}
	d := startDevserver(t, dir, []string{"VISUAL=" + filepath.Join(bin, "code")})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := b.Open(ctx, d.URL)
	if err != nil {
		t.Fatal(err)
	}
	waitPage(t, d, p, "the code frame", `document.querySelector(".frame .here") && document.querySelector(".frame .here").textContent`, strconv.Quote("    3 | func main() { undefinedThing() }"))
	waitPage(t, d, p, "the output, in colour", `document.querySelector("main > pre span[style*=bold]").textContent`, strconv.Quote("./main.go:3:15:"))
	evalPage(t, p, `document.querySelector("form[action='/__devserver/open'] button").click(), true`)
	testkit.WaitFor(t, 10*time.Second, "the editor asked to open main.go:3:15", func() bool {
		b, _ := os.ReadFile(asked)
		return string(b) == "-g "+filepath.Join(dir, "main.go")+":3:15\n"
	})
	if !strings.Contains(d.Stderr.String(), `msg="opening in the editor" file=main.go line=3`) {
		t.Errorf("the log does not say what was opened:\n%s", d.Stderr)
	}
}

// TestThePagesErrorsReachTheLog: a page that throws and rejects in a real
// browser has both in devserver's log (under browser), in `devserver logs
// browser` with the script's line and stack, and in status.
func TestThePagesErrorsReachTheLog(t *testing.T) {
	t.Parallel()
	needBinary(t)
	b := openBrowser(t)
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		"index.html": `<!doctype html><title>t</title><p id="v">hi</p>` +
			`<script>Promise.reject(new Error("rejected on purpose"));</script><script src="/app.js"></script>`,
		"app.js": "function boom() {\n  return missing.value;\n}\nboom();\n",
	})
	d := startDevserver(t, dir, nil, "--port", "0")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.Open(ctx, d.URL); err != nil {
		t.Fatal(err)
	}
	var logs string
	testkit.WaitFor(t, 20*time.Second, "both errors in devserver logs browser", func() bool {
		logs, _, _ = runIn(t, dir, nil, "logs", "browser")
		return strings.Contains(logs, "missing is not defined at "+d.URL+"app.js:2:") && strings.Contains(logs, "Unhandled rejection: rejected on purpose")
	})
	if !strings.Contains(logs, "at boom ("+d.URL+"app.js:2:") {
		t.Errorf("logs browser has no stack:\n%s", logs)
	}
	// devserver's stderr is read apart from the control channel's answer:
	// the line may reach the buffer a moment after logs showed it.
	testkit.WaitFor(t, 10*time.Second, "the page's error in devserver's log", func() bool {
		return strings.Contains(d.Stderr.String(), `msg="the page threw" component=browser error="Uncaught ReferenceError: missing is not defined"`)
	})
	if out, _, _ := runIn(t, dir, nil, "status"); !strings.Contains(out, "the pages' latest errors") || !strings.Contains(out, "missing is not defined") {
		t.Errorf("status:\n%s", out)
	}
}
