package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/devserver/devserver/internal/testrig/testkit"
	"github.com/google/go-cmp/cmp"
)

// TestInitRecognisesTheStack: init writes a config that runs each usual
// stack, in both formats, and that loads with those keys set.
func TestInitRecognisesTheStack(t *testing.T) {
	cases := []struct {
		files      map[string]string
		stack, run string
		reload     []string // watch.reload
	}{
		{map[string]string{"go.mod": "module x\n"}, "Go module", "go run .", nil},
		{map[string]string{"package.json": `{"scripts": {"dev": "nodemon s.js", "start": "node s.js"}}`}, "Node (package.json, its dev script)", "npm run dev", nil},
		{map[string]string{"package.json": `{"scripts": {"start": "node s.js"}}`}, "Node (package.json, its start script)", "npm start", nil},
		{map[string]string{"package.json": `{"main": "server.js"}`}, "Node (package.json, its main file)", "node server.js", nil},
		{map[string]string{"manage.py": "", "requirements.txt": "Django\n"}, "Django", python + " manage.py runserver 127.0.0.1:$PORT --noreload", []string{"**/static/**"}},
		{map[string]string{"requirements.txt": "fastapi\nuvicorn\n"}, "FastAPI (requirements.txt)", "uvicorn main:app --port $PORT", nil},
		{map[string]string{"pyproject.toml": "[project]\ndependencies = [\"Flask\"]\n"}, "Flask (pyproject.toml)", "flask run --debug --no-reload --port $PORT", []string{"**/templates/**", "**/static/**"}},
		{map[string]string{"config.ru": "run App\n", "Gemfile": ""}, "Rack app", "bundle exec rackup -p $PORT", nil},
		{map[string]string{"index.html": "<h1>hi</h1>"}, "static site", "", nil},
		{map[string]string{"notes.txt": "x"}, "", "", nil},
		{map[string]string{"requirements.txt": "flask\n", "Procfile": "# processes\nweb: gunicorn app:app --bind 127.0.0.1:$PORT\nWorker: python worker.py\nrelease: flask db upgrade\n"},
			"Flask (requirements.txt) + Procfile (web) + Procfile (worker)", "gunicorn app:app --bind 127.0.0.1:$PORT", nil},
		{map[string]string{"package.json": `{"scripts": {"dev": "node server.js", "watch:css": "tailwindcss -i in.css -o out.css --watch"}}`},
			"Node (package.json, its dev script) + its watch:css script", "npm run dev", nil},
		{map[string]string{"package.json": `{"main": "app.js", "dependencies": {"express": "^4"}}`, "views/index.ejs": "", "public/site.css": ""},
			"Node (package.json, its main file)", "node app.js", []string{"views/**", "public/**"}},
		{map[string]string{"hugo.toml": "baseURL = 'https://example.org/'\n", "content/_index.md": "", "package.json": "{}"}, "Hugo site (hugo.toml)", "", nil},
		{map[string]string{"config.toml": "title = 'x'\n", "content/a.md": "", "layouts/index.html": ""}, "Hugo site (config.toml, content/)", "", nil},
		{map[string]string{"Gemfile": "gem 'rails', '~> 7.1'\n", "config/application.rb": "", "config.ru": "run Rails.application\n"},
			"Rails", "bin/rails server -p $PORT -b 127.0.0.1", []string{"app/**/*"}},
		{map[string]string{"package.json": `{"scripts": {"dev": "next dev"}, "dependencies": {"next": "14", "react": "18"}}`}, "Next.js", "npx next dev -p $PORT", nil},
		{map[string]string{"main.py": "from flask import Flask\nserver = Flask(__name__)\n"}, "Flask (main.py)", "flask --app main:server run --debug --no-reload --port $PORT",
			[]string{"**/templates/**", "**/static/**"}},
		{map[string]string{"app.py": "import flask\napp = flask.Flask(__name__)\n"}, "Flask (app.py)", "flask run --debug --no-reload --port $PORT",
			[]string{"**/templates/**", "**/static/**"}},
		{map[string]string{"requirements.txt": "fastapi\n", "api/__init__.py": "", "api.py": "from fastapi import FastAPI\n\napplication = FastAPI()\n"},
			"FastAPI (api.py)", "uvicorn api:application --port $PORT", nil},
		{map[string]string{"server.py": "import http.server\n"}, "Python script (server.py)", python + " server.py", nil},
	}
	for _, c := range cases {
		for _, format := range []string{"yaml", "toml"} {
			dir := t.TempDir()
			testkit.WriteTree(t, dir, c.files)
			in, err := Init(dir, format, false)
			p := in.Project
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p.Stack, c.stack) || (c.stack == "") != (p.Stack == "") {
				t.Errorf("%v: recognised %q, want %q", c.files, p.Stack, c.stack)
			}
			l, err := Load(Options{Dir: dir, Environ: []string{}})
			if err != nil {
				t.Fatalf("%v (%s): the starter does not load: %v", c.files, format, err)
			}
			if l.Config.App.Run != c.run {
				t.Errorf("%v (%s): app.run %q, want %q", c.files, format, l.Config.App.Run, c.run)
			}
			if got := l.Config.Watch.Reload; !slices.Equal(got, c.reload) && len(got)+len(c.reload) > 0 {
				t.Errorf("%v (%s): watch.reload %q, want %q", c.files, format, got, c.reload)
			}
			for key, v := range p.Settings {
				if name, field, ok := processKey(key); ok && !cmp.Equal(l.Config.Get(key), v) {
					t.Errorf("%v (%s): process %s's %s is %v, want %v", c.files, format, name, field, l.Config.Get(key), v)
				}
			}
		}
	}
}

// TestInitWritesNoFileThroughALink: a devserver.yaml or .gitignore that is
// a symbolic link (dangling or not, as a repository may ship one) is
// refused, naming its target, and nothing is written where it points.
func TestInitWritesNoFileThroughALink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	for _, name := range []string{"devserver.yaml", ".gitignore"} {
		t.Run(name, func(t *testing.T) {
			dir, outside := t.TempDir(), filepath.Join(t.TempDir(), "target")
			if name == ".gitignore" {
				testkit.WriteFile(t, outside, "kept\n")
			}
			if err := os.Symlink(outside, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
			_, err := Init(dir, "yaml", true)
			if err == nil || !strings.Contains(err.Error(), name+" is a symbolic link (to "+outside+")") {
				t.Errorf("err %v; want the link and its target named", err)
			}
			if data, _ := os.ReadFile(outside); name == ".gitignore" && string(data) != "kept\n" || name != ".gitignore" && data != nil {
				t.Errorf("written through the link: %q", data)
			}
			if _, err := os.Stat(filepath.Join(dir, "devserver.yaml")); name == ".gitignore" && err == nil {
				t.Error("a config was written although init refused")
			}
		})
	}
}

// TestInitAdoptsABoundedProcfile: a Procfile of 10,000 processes gives a
// config that validate accepts, with 20 of them and the rest counted.
func TestInitAdoptsABoundedProcfile(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 10_000 {
		fmt.Fprintf(&b, "p%05d: sleep %d\n", i, i)
	}
	testkit.WriteFile(t, filepath.Join(dir, "Procfile"), b.String())
	in, err := Init(dir, "yaml", false)
	p := in.Project
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p.Stack, ", p00019) and 9980 more not adopted") || strings.Contains(p.Stack, "\n") {
		t.Errorf("recognised %q", p.Stack)
	}
	l, err := Load(Options{Dir: dir, Environ: []string{}})
	if err != nil {
		t.Fatalf("the config init wrote does not load: %v", err)
	}
	if n := len(l.Config.ProcessNames()); n != maxAdopted {
		t.Errorf("%d processes, want %d", n, maxAdopted)
	}
}

// TestInitForAViteFrontend: a Vite frontend is a process on /, with its own
// port and never restarted by devserver (its HMR stays); a backend beside it
// is the app on /api. What init writes loads, in both formats.
func TestInitForAViteFrontend(t *testing.T) {
	vite := `{"scripts": {"dev": "vite"}, "devDependencies": {"vite": "^5"}}`
	for _, c := range []struct {
		files   map[string]string
		stack   string
		app     string
		routes  map[string]string
		webRun  string
		ignored string
	}{
		{map[string]string{"package.json": vite, "index.html": ""}, "Vite (package.json)", "",
			map[string]string{"/": "web"}, "npx vite --port $PORT --strictPort", ""},
		{map[string]string{"package.json": vite, "server/index.js": ""}, "Node API (server/index.js) + Vite (package.json)", "node server/index.js",
			map[string]string{"/": "web", "/api": "app"}, "npx vite --port $PORT --strictPort", ""},
		{map[string]string{"manage.py": "", "frontend/package.json": vite}, "Django (manage.py) + Vite (frontend/package.json)", python + " manage.py runserver 127.0.0.1:$PORT --noreload",
			map[string]string{"/": "web", "/api": "app"}, "cd frontend && npx vite --port $PORT --strictPort", "frontend"},
		{map[string]string{"go.mod": "module x\n", "web/package.json": vite}, "Go module (go.mod) + Vite (web/package.json)", "go run .",
			map[string]string{"/": "web", "/api": "app"}, "cd web && npx vite --port $PORT --strictPort", "web"},
	} {
		for _, format := range []string{"yaml", "toml"} {
			dir := write(t, c.files)
			in, err := Init(dir, format, false)
			p := in.Project
			if err != nil {
				t.Fatal(err)
			}
			l, err := Load(Options{Dir: dir, Environ: []string{}})
			if err != nil {
				t.Fatalf("%s (%s): what init wrote does not load: %v", c.stack, format, err)
			}
			cfg := l.Config
			web := cfg.Processes["web"]
			if p.Stack != c.stack || cfg.App.Run != c.app || web.Run != c.webRun || !web.HTTP || web.Restart != "never" {
				t.Errorf("%s (%s): recognised %q, app.run %q, web %+v", c.stack, format, p.Stack, cfg.App.Run, web)
			}
			if diff := cmp.Diff(c.routes, cfg.Routes); diff != "" {
				t.Errorf("%s (%s): routes (-want +got):\n%s", c.stack, format, diff)
			}
			if c.ignored != "" && !slices.Contains(cfg.Watch.Ignore, c.ignored) {
				t.Errorf("%s (%s): watch.ignore %v does not leave the frontend to Vite", c.stack, format, cfg.Watch.Ignore)
			}
		}
	}
}

// TestInitInASubdirectorySaysWhatItWouldOverride: init below a directory
// whose config devserver already finds refuses, naming that file, and
// writes one with --force.
func TestInitInASubdirectorySaysWhatItWouldOverride(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{"devserver.yaml": "port: 8000\n", "api/main.go": "package main\n", "api/go.mod": "module x\n"})
	sub := filepath.Join(root, "api")
	_, err := Init(sub, "yaml", false)
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), filepath.Join(root, "devserver.yaml")+" already configures this directory") {
		t.Fatalf("init below a config: %v", err)
	}
	if _, err := os.Stat(filepath.Join(sub, "devserver.yaml")); err == nil {
		t.Fatal("a config was written anyway")
	}
	if _, err := Init(sub, "yaml", true); err != nil {
		t.Fatalf("init --force: %v", err)
	}
	if _, err := os.Stat(filepath.Join(sub, "devserver.yaml")); err != nil {
		t.Fatalf("init --force wrote nothing: %v", err)
	}
}

// TestInitGivesEachProcessItsOwnFiles: a Procfile's processes restart for
// what fits their commands, not for every file: a worker for its
// language's sources, a script in a directory of its own for that
// directory, and a tool that watches by itself never.
func TestInitGivesEachProcessItsOwnFiles(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		"requirements.txt": "flask\n", "jobs/main.js": "", "worker.py": "",
		"Procfile": "web: gunicorn app:app\nworker: python worker.py\ncss: npx tailwindcss -i in.css -o out.css --watch\njobs: node jobs/main.js\nother: ./run-it\n",
	})
	p := Detect(dir)
	for key, want := range map[string]any{
		"processes.worker.watch":   []string{"**/*.py"},
		"processes.css.restart":    "never",
		"processes.jobs.watch":     []string{"jobs/**/*"},
		"processes.other.watch":    nil,
		"processes.worker.restart": nil,
	} {
		if got := p.Settings[key]; !cmp.Equal(got, want) {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
}
