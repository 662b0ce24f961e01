package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Project is what Detect recognised a project to be, and the keys a
// starter config sets for it.
type Project struct {
	// Stack names what was recognised and by what file: "Django
	// (manage.py)"; "" when nothing was.
	Stack string
	// Settings are keys (dotted) and values the starter sets rather than
	// leaving commented.
	Settings map[string]any
}

// Detect looks at the files in dir and recognises the usual stacks: a Go
// module, a Node package (its dev or start script), Django, FastAPI, Flask,
// a Rack app, a static site. Commands get the port from $PORT and leave
// reloading to devserver. It reads a few small files and runs nothing.
func Detect(dir string) Project {
	has := func(name string) bool { _, err := os.Stat(filepath.Join(dir, name)); return err == nil }
	mentions := func(word string, files ...string) bool {
		for _, f := range files {
			if data, err := os.ReadFile(filepath.Join(dir, f)); err == nil && len(data) < 1<<20 &&
				strings.Contains(strings.ToLower(string(data)), word) {
				return true
			}
		}
		return false
	}
	py := []string{"requirements.txt", "pyproject.toml", "Pipfile"}
	switch {
	case has("go.mod"):
		return Project{"Go module (go.mod)", map[string]any{"app.run": "go run .",
			"watch.globs": []string{"**/*.go", "**/*.html", "**/*.tmpl", "go.mod", "go.sum"}}}
	case has("package.json"):
		return nodeProject(dir)
	case has("manage.py"):
		return Project{"Django (manage.py)", map[string]any{"app.run": "python3 manage.py runserver 127.0.0.1:$PORT --noreload"}}
	case mentions("fastapi", py...):
		return Project{"FastAPI (" + firstOf(dir, py) + ")", map[string]any{"app.run": "uvicorn main:app --port $PORT"}}
	case mentions("flask", py...):
		return Project{"Flask (" + firstOf(dir, py) + ")", map[string]any{"app.run": "flask run --port $PORT"}}
	case has("config.ru"):
		return Project{"Rack app (config.ru)", map[string]any{"app.run": "bundle exec rackup -p $PORT"}}
	case has("index.html"):
		return Project{"static site (index.html)", map[string]any{"livereload": true}}
	}
	return Project{}
}

// nodeProject runs package.json's dev script, or its start script, or its
// main file.
func nodeProject(dir string) Project {
	var pkg struct {
		Main    string            `json:"main"`
		Scripts map[string]string `json:"scripts"`
	}
	data, _ := os.ReadFile(filepath.Join(dir, "package.json"))
	_ = json.Unmarshal(data, &pkg) // a broken package.json: nothing found in it
	switch {
	case pkg.Scripts["dev"] != "":
		return Project{"Node (package.json, its dev script)", map[string]any{"app.run": "npm run dev"}}
	case pkg.Scripts["start"] != "":
		return Project{"Node (package.json, its start script)", map[string]any{"app.run": "npm start"}}
	case pkg.Main != "":
		return Project{"Node (package.json, its main file)", map[string]any{"app.run": "node " + pkg.Main}}
	}
	return Project{"Node (package.json)", map[string]any{"app.run": "node index.js"}}
}

func firstOf(dir string, files []string) string {
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return f
		}
	}
	return files[0]
}

// Describe lists the keys p sets, in key table order:
// `app.run = go run .; watch.globs = [**/*.go …]`.
func (p Project) Describe() string {
	var parts []string
	for _, k := range keys {
		if v, ok := p.Settings[k.Name]; ok {
			parts = append(parts, fmt.Sprintf("%s = %v", k.Name, v))
		}
	}
	return strings.Join(parts, "; ")
}
