//go:build unix

package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestFlaskFromInitReloadsTemplates: a Flask app recognised by its import
// alone (no requirements.txt) runs from devserver init unedited; a template
// edit shows in the next answer without a restart, and a code edit
// restarts it.
func TestFlaskFromInitReloadsTemplates(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestDjangoFromInit: a Django project runs from devserver init unedited;
// a stylesheet edit shows after the reload (revalidated: no-cache) with no
// restart, and a template edit restarts runserver (Django 4.1+ caches
// templates outside its own reloader) and shows.
func TestDjangoFromInit(t *testing.T) {
	t.Parallel()
	bin := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import django").Run() == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("Django is not installed (apt-get install python3-django)")
	}
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		"manage.py":        "import sys, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n",
		"proj/__init__.py": "",
		"proj/settings.py": "from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nSECRET_KEY = 'dev'\nDEBUG = True\nROOT_URLCONF = 'proj.urls'\n" +
			"INSTALLED_APPS = ['django.contrib.staticfiles']\nSTATIC_URL = '/static/'\nSTATICFILES_DIRS = [BASE_DIR / 'static']\n" +
			"TEMPLATES = [{'BACKEND': 'django.template.backends.django.DjangoTemplates', 'DIRS': [BASE_DIR / 'templates']}]\n",
		"proj/urls.py":         "from django.urls import path\nfrom django.shortcuts import render\nurlpatterns = [path('', lambda r: render(r, 'index.html'))]\n",
		"templates/index.html": "<p>template v1</p>\n",
		"static/site.css":      "p { color: red }\n",
	})
	if out, stderr, code := runIn(t, dir, nil, "init"); code != 0 || !strings.Contains(out, "recognised Django (manage.py)") {
		t.Fatalf("init: exit %d\n%s%s", code, out, stderr)
	}
	// The python3 that has Django first on PATH, as in a virtualenv.
	d := startDevserver(t, dir, []string{"PATH=" + filepath.Dir(mustLookPath(t, bin)) + ":" + os.Getenv("PATH")}, "127.0.0.1:0", "--poll-interval", "50ms")
	body := func(path, want string) {
		t.Helper()
		testkit.WaitFor(t, 30*time.Second, path+" showing "+want, func() bool {
			_, b := testkit.Get(t, d.URL+path)
			return strings.Contains(b, want)
		})
	}
	starts := func() int { return strings.Count(d.Stderr.String(), `msg="app started"`) }
	body("", "template v1")
	res, err := http.Get(d.URL + "static/site.css")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("Django's stylesheet: Cache-Control %q, want no-cache (a reload must revalidate)", res.Header.Get("Cache-Control"))
	}
	testkit.WriteFile(t, filepath.Join(dir, "static", "site.css"), "p { color: blue }\n")
	body("static/site.css", "blue")
	testkit.WaitFor(t, 30*time.Second, "the stylesheet's change taken", func() bool {
		return strings.Contains(d.Stderr.String(), "files=static/site.css")
	})
	if n := starts(); n != 1 {
		t.Errorf("the app started %d times for a stylesheet edit, want once", n)
	}
	testkit.WriteFile(t, filepath.Join(dir, "templates", "index.html"), "<p>template v2, edited</p>\n")
	testkit.WaitFor(t, 30*time.Second, "the template edit's restart", func() bool { return starts() >= 2 })
	body("", "template v2, edited")
}

func mustLookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
