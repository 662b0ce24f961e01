package config

import (
	"strings"
	"testing"

	"github.com/devserver/devserver/internal/testkit"
)

// TestInitRecognisesTheStack: init writes a config that runs each usual
// stack, in both formats, and that loads with those keys set.
func TestInitRecognisesTheStack(t *testing.T) {
	cases := []struct {
		files      map[string]string
		stack, run string
	}{
		{map[string]string{"go.mod": "module x\n"}, "Go module", "go run ."},
		{map[string]string{"package.json": `{"scripts": {"dev": "vite", "start": "node s.js"}}`}, "Node (package.json, its dev script)", "npm run dev"},
		{map[string]string{"package.json": `{"scripts": {"start": "node s.js"}}`}, "Node (package.json, its start script)", "npm start"},
		{map[string]string{"package.json": `{"main": "server.js"}`}, "Node (package.json, its main file)", "node server.js"},
		{map[string]string{"manage.py": "", "requirements.txt": "Django\n"}, "Django", python + " manage.py runserver 127.0.0.1:$PORT --noreload"},
		{map[string]string{"requirements.txt": "fastapi\nuvicorn\n"}, "FastAPI (requirements.txt)", "uvicorn main:app --port $PORT"},
		{map[string]string{"pyproject.toml": "[project]\ndependencies = [\"Flask\"]\n"}, "Flask (pyproject.toml)", "flask run --port $PORT"},
		{map[string]string{"config.ru": "run App\n", "Gemfile": ""}, "Rack app", "bundle exec rackup -p $PORT"},
		{map[string]string{"index.html": "<h1>hi</h1>"}, "static site", ""},
		{map[string]string{"notes.txt": "x"}, "", ""},
		{map[string]string{"requirements.txt": "flask\n", "Procfile": "# processes\nweb: gunicorn app:app --bind 127.0.0.1:$PORT\nWorker: python worker.py\nrelease: flask db upgrade\n"},
			"Flask (requirements.txt) + Procfile (web) + Procfile (worker)", "gunicorn app:app --bind 127.0.0.1:$PORT"},
		{map[string]string{"package.json": `{"scripts": {"dev": "node server.js", "watch:css": "tailwindcss -i in.css -o out.css --watch"}}`},
			"Node (package.json, its dev script) + its watch:css script", "npm run dev"},
	}
	for _, c := range cases {
		for _, format := range []string{"yaml", "toml"} {
			dir := t.TempDir()
			testkit.WriteTree(t, dir, c.files)
			_, p, _, err := Init(dir, format, false)
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
			for key, v := range p.Settings {
				if name, field, ok := processKey(key); ok && l.Config.Get(key) != v {
					t.Errorf("%v (%s): process %s's %s is %v, want %v", c.files, format, name, field, l.Config.Get(key), v)
				}
			}
		}
	}
}
