package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/devserver/devserver/internal/textfile"
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
	p := detectStack(dir)
	if vite, ok := findVite(dir); ok {
		p = withVite(dir, vite, p)
	}
	procs, more := procfile(dir)
	if web := procs["web"]; web != "" {
		delete(procs, "web")
		p.Stack = joinStack(p.Stack, "Procfile (web)")
		p.set("app.run", web)
		// What the stack's own command reads anew at each request, this
		// one may cache (gunicorn serves Flask's templates from memory).
		delete(p.Settings, "watch.reload")
	}
	if len(procs) > 0 {
		names := slices.Sorted(maps.Keys(procs))
		adopted := "Procfile (" + strings.Join(names, ", ") + ")"
		if more > 0 {
			adopted += fmt.Sprintf(" and %d more not adopted", more)
		}
		p.Stack = joinStack(p.Stack, adopted)
		for _, name := range names {
			adoptProcess(&p, dir, name, procs[name])
		}
	}
	return p
}

// maxAdopted is how many of a Procfile's processes init adopts: a config
// it writes must be one its own validate accepts, and a person reads.
const maxAdopted = 20

func joinStack(a, b string) string {
	if a == "" {
		return b
	}
	return a + " + " + b
}

// set makes the starter set key to v.
func (p *Project) set(key string, v any) {
	if p.Settings == nil {
		p.Settings = map[string]any{}
	}
	p.Settings[key] = v
}

// procfile reads a Procfile ("name: command" lines), its names made
// process names, in the order of the file up to maxAdopted; more is how
// many processes were left out. nil when there is none.
func procfile(dir string) (procs map[string]string, more int) {
	data, err := readProjectFile(dir, "Procfile")
	if err != nil {
		return nil, 0
	}
	procs = map[string]string{}
	for line := range strings.SplitSeq(string(data), "\n") {
		line = strings.TrimSpace(line)
		name, command, ok := strings.Cut(line, ":")
		name, command = processName(name), strings.TrimSpace(command)
		// release: is Heroku's step before a deploy, not a process.
		if !ok || strings.HasPrefix(line, "#") || name == "" || name == "release" || command == "" {
			continue
		}
		if _, seen := procs[name]; !seen && len(procs) == maxAdopted {
			more++
			continue
		}
		procs[name] = command
	}
	return procs, more
}

// processName makes a name from a Procfile or a package.json script a
// process name: lowercase, other characters as "-"; "" when it cannot be.
func processName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, strings.TrimSpace(name))
	if processNameProblem(name) != "" {
		return ""
	}
	return name
}

// python is the Python interpreter's command on this OS: Windows installs
// python (python3 there is the Store's stand-in), Unix systems python3.
var python = map[bool]string{true: "python", false: "python3"}[runtime.GOOS == "windows"]

// readProjectFile reads one of the project's files that Detect looks in,
// if it is a regular file of at most 1 MiB: a project's files are input
// like any other.
func readProjectFile(dir, name string) ([]byte, error) {
	return textfile.Read(filepath.Join(dir, name), textfile.MaxConfig)
}

// detectStack recognises the project's stack (Detect without the Procfile).
func detectStack(dir string) Project {
	py := []string{"requirements.txt", "pyproject.toml", "Pipfile"}
	if p, ok := hugoProject(dir); ok {
		return p
	}
	switch {
	case isFile(dir, "go.mod"):
		return Project{"Go module (go.mod)", map[string]any{"app.run": "go run .",
			"watch.globs": []string{"**/*.go", "**/*.html", "**/*.tmpl", "go.mod", "go.sum"}}}
	case isFile(dir, "package.json"):
		return nodeProject(dir)
	case isFile(dir, "manage.py"):
		// Static files are read from disk at each request; templates are
		// not reloaded: Django 4.1+ caches them outside its own reloader.
		return Project{"Django (manage.py)", map[string]any{"app.run": python + " manage.py runserver 127.0.0.1:$PORT --noreload",
			"watch.reload": []string{"**/static/**"}}}
	}
	if p, ok := railsProject(dir); ok {
		return p
	}
	if p, ok := pythonScript(dir, mentionsIn(dir, "fastapi", py...), mentionsIn(dir, "flask", py...)); ok {
		if !strings.Contains(p.Stack, "(") { // told by the requirements: which file said so
			p.Stack += " (" + firstOf(dir, py) + ")"
		}
		return p
	}
	switch {
	case isFile(dir, "config.ru"):
		return Project{"Rack app (config.ru)", map[string]any{"app.run": "bundle exec rackup -p $PORT"}}
	case isFile(dir, "index.html"):
		return Project{"static site (index.html)", map[string]any{"livereload": true}}
	}
	return Project{}
}

// nodeProject runs package.json's dev script, or its start script, or its
// main file.
func nodeProject(dir string) Project {
	var pkg struct {
		Main         string            `json:"main"`
		Scripts      map[string]string `json:"scripts"`
		Dependencies map[string]string `json:"dependencies"`
	}
	data, _ := readProjectFile(dir, "package.json")
	_ = json.Unmarshal(data, &pkg) // a broken package.json: nothing found in it
	var p Project
	next, isNext := nextProject(pkg.Dependencies)
	switch {
	case isNext:
		p = next
	case pkg.Scripts["dev"] != "":
		p = Project{"Node (package.json, its dev script)", map[string]any{"app.run": "npm run dev"}}
	case pkg.Scripts["start"] != "":
		p = Project{"Node (package.json, its start script)", map[string]any{"app.run": "npm start"}}
	case pkg.Main != "":
		p = Project{"Node (package.json, its main file)", map[string]any{"app.run": "node " + pkg.Main}}
	default:
		p = Project{"Node (package.json)", map[string]any{"app.run": "node index.js"}}
	}
	// Express reads views and serves public/ from disk at each request
	// (its view cache is off outside production).
	if _, express := pkg.Dependencies["express"]; express {
		var reload []string
		for _, d := range []string{"views", "public"} {
			if st, err := os.Stat(filepath.Join(dir, d)); err == nil && st.IsDir() {
				reload = append(reload, d+"/**")
			}
		}
		if len(reload) > 0 {
			p.set("watch.reload", reload)
		}
	}
	// A watch script (tailwindcss --watch, esbuild --watch) runs beside the
	// app and watches its own files.
	var watchers []string
	for _, script := range slices.Sorted(maps.Keys(pkg.Scripts)) {
		if name := processName(script); strings.Contains(script, "watch") && name != "" && len(watchers) < 4 {
			p.set("processes."+name+".run", "npm run "+script)
			p.set("processes."+name+".restart", "never")
			watchers = append(watchers, script)
		}
	}
	if len(watchers) > 0 {
		p.Stack += " + its " + strings.Join(watchers, ", ") + " script"
	}
	return p
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
	for _, k := range keysFor(p.processes()) {
		if v, ok := p.Settings[k.Name]; ok {
			parts = append(parts, fmt.Sprintf("%s = %v", k.Name, v))
		}
	}
	return strings.Join(parts, "; ")
}

// processes lists the processes p sets keys of.
func (p Project) processes() []string {
	var out []string
	for key := range p.Settings {
		if name, _, ok := processKey(key); ok && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}
