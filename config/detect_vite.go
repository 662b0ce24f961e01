package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// viteDirs are where a Vite frontend's package.json is looked for: the
// project root, or a directory of its own beside a backend.
var viteDirs = []string{".", "frontend", "client", "web", "ui"}

// findVite returns the directory (relative to dir) of a Vite frontend: a
// package.json that depends on vite or runs it.
func findVite(dir string) (string, bool) {
	for _, d := range viteDirs {
		var pkg struct {
			Scripts                       map[string]string
			Dependencies, DevDependencies map[string]string
		}
		data, err := readProjectFile(dir, filepath.Join(d, "package.json"))
		if err != nil || json.Unmarshal(data, &pkg) != nil {
			continue
		}
		_, dep := pkg.Dependencies["vite"]
		_, dev := pkg.DevDependencies["vite"]
		if dep || dev || strings.HasPrefix(pkg.Scripts["dev"], "vite") {
			return d, true
		}
	}
	return "", false
}

// nodeBackends are the scripts of a Node API beside a Vite frontend.
var nodeBackends = []string{"server/index.js", "server/index.mjs", "api/index.js", "server.js", "api.js"}

// withVite makes p a project of two servers when dir has a Vite frontend
// in viteDir: the frontend is the process web (http, its own port, never
// restarted by devserver, which would throw its HMR away) on the route /,
// and the backend p recognised (or a Node API script) is the app on /api.
// Edits of the frontend restart nothing; Vite reloads them itself.
func withVite(dir, viteDir string, p Project) Project {
	run := "npx vite --port $PORT --strictPort"
	if viteDir != "." {
		run = "cd " + viteDir + " && " + run
	}
	backend := p
	if viteDir == "." { // the root package.json is the frontend's: look for an API script
		backend = Project{}
		for _, f := range nodeBackends {
			if st, err := os.Stat(filepath.Join(dir, f)); err == nil && st.Mode().IsRegular() {
				backend = Project{"Node API (" + f + ")", map[string]any{"app.run": "node " + f,
					"watch.globs": []string{filepath.ToSlash(filepath.Dir(f)) + "/**/*"}}}
				if filepath.Dir(f) == "." {
					backend.Settings["watch.globs"] = []string{f}
				}
				break
			}
		}
	}
	out := Project{Stack: "Vite (" + filepath.ToSlash(filepath.Join(viteDir, "package.json")) + ")", Settings: map[string]any{}}
	routes := map[string]string{"/": "web"}
	if backend.Settings["app.run"] != nil {
		out.Stack = backend.Stack + " + " + out.Stack
		for k, v := range backend.Settings {
			if !strings.HasPrefix(k, "processes.") {
				out.Settings[k] = v
			}
		}
		routes["/api"] = RouteApp
		if viteDir != "." {
			out.Settings["watch.ignore"] = append(keyDefault("watch.ignore"), viteDir)
		}
	}
	out.set("processes.web.run", run)
	out.set("processes.web.http", true)
	out.set("processes.web.restart", "never")
	out.set("routes", routes)
	return out
}

// keyDefault is the default of the key named name.
func keyDefault(name string) []string {
	k, _ := LookupKey(name)
	return append([]string(nil), k.Default.([]string)...)
}
