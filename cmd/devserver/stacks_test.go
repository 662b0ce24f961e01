//go:build unix

package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testkit"
)

// TestFlaskFromInitReloadsTemplates: a Flask app recognised by its import
// alone (no requirements.txt) runs from devserver init unedited; a template
// edit shows in the next answer without a restart, and a code edit
// restarts it.
func TestFlaskFromInitReloadsTemplates(t *testing.T) {
	if err := exec.Command("python3", "-c", "import flask").Run(); err != nil {
		t.Skip("Flask is not installed (apt-get install python3-flask)")
	}
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		"main.py":              "from flask import Flask, render_template\n\nsite = Flask(__name__)\n\n\n@site.get('/')\ndef index():\n    return render_template('index.html', who='code v1')\n",
		"templates/index.html": "<p>template v1, {{ who }}</p>\n",
	})
	if out, stderr, code := runIn(t, dir, nil, "init"); code != 0 || !strings.Contains(out, "recognised Flask (main.py)") {
		t.Fatalf("init: exit %d\n%s%s", code, out, stderr)
	}
	d := startDevserver(t, dir, nil, "127.0.0.1:0", "--poll-interval", "50ms")
	page := func(want string) {
		t.Helper()
		testkit.WaitFor(t, 30*time.Second, want, func() bool {
			_, body := testkit.Get(t, d.URL)
			return strings.Contains(body, want)
		})
	}
	page("template v1, code v1")
	testkit.WriteFile(t, filepath.Join(dir, "templates", "index.html"), "<p>template v2, {{ who }}</p>\n")
	page("template v2, code v1")
	testkit.WaitFor(t, 30*time.Second, "the template's change taken", func() bool {
		return strings.Contains(d.Stderr.String(), `files=templates/index.html`)
	})
	if n := strings.Count(d.Stderr.String(), `msg="app started"`); n != 1 {
		t.Errorf("the app started %d times for a template edit, want once:\n%s", n, d.Stderr)
	}
	// Another size: Python's bytecode cache trusts a source of the same
	// size and mtime second.
	replaceIn(t, filepath.Join(dir, "main.py"), "code v1", "code v2, edited")
	page("template v2, code v2, edited")
	if n := strings.Count(d.Stderr.String(), `msg="app started"`); n != 2 {
		t.Errorf("the app started %d times after a code edit, want twice:\n%s", n, d.Stderr)
	}
}

// TestHugoFromInit: a Hugo site runs from devserver init unedited: hugo
// --watch builds it into public/, which devserver serves and watches (git
// ignores it), and a layout edit shows without hugo ever being restarted.
func TestHugoFromInit(t *testing.T) {
	if _, err := exec.LookPath("hugo"); err != nil {
		t.Skip("hugo is not installed (apt-get install hugo)")
	}
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		"hugo.toml":          "title = 'A site'\nbaseURL = 'https://example.org/'\n",
		"layouts/index.html": "<h1>{{ .Site.Title }}, layout v1</h1>\n",
		"content/_index.md":  "",
		".gitignore":         "public/\n",
	})
	if out, stderr, code := runIn(t, dir, nil, "init"); code != 0 || !strings.Contains(out, "recognised Hugo site (hugo.toml)") {
		t.Fatalf("init: exit %d\n%s%s", code, out, stderr)
	}
	d := startDevserver(t, dir, nil, "127.0.0.1:0", "--poll-interval", "50ms")
	page := func(want string) {
		t.Helper()
		testkit.WaitFor(t, 60*time.Second, want, func() bool {
			_, body := testkit.Get(t, d.URL)
			return strings.Contains(body, want)
		})
	}
	page("A site, layout v1")
	// An edit during hugo's first build is in the baseline of its watch.
	testkit.WaitFor(t, 60*time.Second, "hugo watching", func() bool { return strings.Contains(d.Stdout.String(), "Watching for changes") })
	// Hugo's own watcher, on a loaded machine, may miss a save made right
	// after it started watching (its poll's baseline): save again, as a
	// person would, until the page shows it.
	shown := false
	for save := 1; save <= 6 && !shown; save++ {
		testkit.WriteFile(t, filepath.Join(dir, "layouts", "index.html"), fmt.Sprintf("<h1>{{ .Site.Title }}, layout v2, save %d</h1>\n", save))
		shown = testkit.WaitUntil(10*time.Second, 50*time.Millisecond, func() bool {
			_, body := testkit.Get(t, d.URL)
			return strings.Contains(body, "A site, layout v2")
		}) == nil
	}
	if !shown {
		t.Fatalf("six saves of the layout never showed:\n%s", d.Stderr)
	}
	if n := strings.Count(d.Stderr.String(), `msg="hugo started"`); n != 1 {
		t.Errorf("hugo started %d times, want once:\n%s", n, d.Stderr)
	}
}
