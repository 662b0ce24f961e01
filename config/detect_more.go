package config

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// hugoProject is a Hugo site: `hugo --watch` builds it into public/ as a
// process of its own (it rebuilds itself, so devserver never restarts it;
// it polls, as devserver does, so it sees changes on shares too),
// and devserver serves public/, reloading the pages at each rebuild
// (static.dir is watched whatever .gitignore says).
func hugoProject(dir string) (Project, bool) {
	found := ""
	for _, f := range []string{"hugo.toml", "hugo.yaml", "hugo.json"} {
		if isFile(dir, f) {
			found = f
		}
	}
	if found == "" && isFile(dir, "config.toml") && isDir(dir, "content") && (isDir(dir, "layouts") || isDir(dir, "themes")) {
		found = "config.toml, content/"
	}
	if found == "" {
		return Project{}, false
	}
	return Project{"Hugo site (" + found + ")", map[string]any{
		"processes.hugo.run":     "hugo --watch --poll 500ms --baseURL / --destination public",
		"processes.hugo.restart": "never",
		"static.dir":             "public",
		"livereload":             true,
	}}, true
}

// railsProject is a Rails app: Rails reloads its code itself in
// development, so a change to app/ reloads the pages and only config and
// gems restart the server.
func railsProject(dir string) (Project, bool) {
	if !isFile(dir, "config/application.rb") || !mentionsIn(dir, "rails", "Gemfile") {
		return Project{}, false
	}
	return Project{"Rails (config/application.rb)", map[string]any{
		"app.run":      "bin/rails server -p $PORT -b 127.0.0.1",
		"watch.globs":  []string{"config/**/*", "Gemfile", "Gemfile.lock"},
		"watch.reload": []string{"app/**/*"},
	}}, true
}

// nextProject is a Next.js app: next dev compiles and reloads itself, so
// devserver restarts it only for its config and packages.
func nextProject(deps map[string]string) (Project, bool) {
	if _, ok := deps["next"]; !ok {
		return Project{}, false
	}
	return Project{"Next.js (package.json)", map[string]any{
		"app.run":     "npx next dev -p $PORT",
		"watch.globs": []string{"next.config.*", "package.json", "package-lock.json"},
	}}, true
}

// pyFiles are the top-level Python files looked in for an app, in order.
var pyFiles = []string{"app.py", "main.py", "server.py", "wsgi.py", "api.py", "application.py"}

var (
	fastAPIApp = regexp.MustCompile(`(?m)^(\w+)\s*=\s*(?:fastapi\.)?FastAPI\(`)
	flaskApp   = regexp.MustCompile(`(?m)^(\w+)\s*=\s*(?:flask\.)?Flask\(`)
)

// pythonScript recognises a Python app by its code when no requirements
// say which framework: the file that makes a FastAPI or Flask app (uvicorn
// and flask told its module and name), else a plain app.py or server.py
// run as it is.
func pythonScript(dir string, fastapi, flask bool) (Project, bool) {
	for _, f := range pyFiles {
		data, err := readProjectFile(dir, f)
		if err != nil {
			continue
		}
		module := strings.TrimSuffix(f, ".py")
		if m := fastAPIApp.FindSubmatch(data); m != nil {
			return Project{"FastAPI (" + f + ")", map[string]any{"app.run": "uvicorn " + module + ":" + string(m[1]) + " --port $PORT"}}, true
		}
		if m := flaskApp.FindSubmatch(data); m != nil {
			return flaskProject(f, module+":"+string(m[1])), true
		}
	}
	switch {
	case fastapi:
		return Project{"FastAPI", map[string]any{"app.run": "uvicorn main:app --port $PORT"}}, true
	case flask:
		return flaskProject("", ""), true
	}
	for _, f := range []string{"app.py", "server.py", "main.py"} {
		if isFile(dir, f) {
			return Project{"Python script (" + f + ")", map[string]any{"app.run": python + " " + f}}, true
		}
	}
	return Project{}, false
}

// flaskProject runs a Flask app with --debug, so templates are read anew
// when they change, and without Flask's own reloader: devserver restarts
// it. app is its module:name, or "" for flask's own discovery.
func flaskProject(file, app string) Project {
	run := "flask run --debug --no-reload --port $PORT"
	if app != "" && !slices.Contains([]string{"app:app", "wsgi:app", "app:application", "wsgi:application"}, app) {
		run = "flask --app " + app + " run --debug --no-reload --port $PORT"
	}
	stack := "Flask"
	if file != "" {
		stack += " (" + file + ")"
	}
	return Project{stack, map[string]any{"app.run": run, "watch.reload": []string{"**/templates/**", "**/static/**"}}}
}

func isFile(dir, name string) bool {
	st, err := os.Stat(filepath.Join(dir, name))
	return err == nil && st.Mode().IsRegular()
}

func isDir(dir, name string) bool {
	st, err := os.Stat(filepath.Join(dir, name))
	return err == nil && st.IsDir()
}

// mentionsIn reports whether one of files in dir mentions word, in any case.
func mentionsIn(dir, word string, files ...string) bool {
	for _, f := range files {
		if data, err := readProjectFile(dir, f); err == nil && strings.Contains(strings.ToLower(string(data)), word) {
			return true
		}
	}
	return false
}

// languageGlobs are the sources of a command's language, by the program
// that runs it: what a process of the Procfile restarts for, rather than
// every file of the project.
var languageGlobs = map[string][]string{
	"python": {"**/*.py"}, "python3": {"**/*.py"}, "celery": {"**/*.py"}, "rq": {"**/*.py"}, "gunicorn": {"**/*.py"}, "uvicorn": {"**/*.py"},
	"node": {"**/*.js", "**/*.mjs", "**/*.cjs", "**/*.ts", "package.json"}, "npm": {"**/*.js", "**/*.mjs", "**/*.cjs", "**/*.ts", "package.json"},
	"ruby": {"**/*.rb"}, "bundle": {"**/*.rb", "Gemfile"}, "rake": {"**/*.rb"}, "sidekiq": {"**/*.rb"},
	"go": {"**/*.go", "go.mod"}, "php": {"**/*.php"},
}

// adoptProcess sets the keys of a Procfile's process: its command, and
// what it restarts for. A tool that watches files itself (--watch) is
// never restarted; a script in a directory of its own (node
// worker/main.js) restarts for that directory; else for the sources of its
// language; else, as by default, for everything.
func adoptProcess(p *Project, dir, name, command string) {
	key := "processes." + name + "."
	p.set(key+"run", command)
	fields := strings.Fields(command)
	if slices.ContainsFunc(fields, func(f string) bool {
		return f == "--watch" || f == "-w" || f == "watch" || strings.HasPrefix(f, "--watch=")
	}) {
		p.set(key+"restart", "never")
		return
	}
	for _, f := range fields[1:] {
		if sub, _, ok := strings.Cut(filepath.ToSlash(f), "/"); ok && filepath.IsLocal(sub) && isDir(dir, sub) && isFile(dir, f) {
			p.set(key+"watch", []string{sub + "/**/*"})
			return
		}
	}
	if len(fields) > 0 {
		if globs, ok := languageGlobs[filepath.Base(fields[0])]; ok {
			p.set(key+"watch", globs)
		}
	}
}
