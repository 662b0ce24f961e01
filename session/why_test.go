package session_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/testrig/testkit"
	"github.com/devserver/devserver/session"
)

// TestWhySaysWhatAChangeDoes: for each kind of file of a project with an
// app, a process, reload globs and a static.dir, devserver why says what
// the session does with a change of it, naming the rule or glob and its
// key.
func TestWhySaysWhatAChangeDoes(t *testing.T) {
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		".gitignore": "# outputs\ndist/\n*.tmp\n",
		"devserver.yaml": "livereload: true\napp:\n  run: ./server\nstatic:\n  dir: dist\nwatch:\n  globs: [\"**/*.go\", \"templates/**\"]\n  reload: [\"templates/**\"]\n" +
			"processes:\n  css:\n    run: npx tailwindcss --watch\n    restart: never\n  worker:\n    run: ./worker\n    watch: [\"worker/**/*.go\"]\n",
		"main.go": "", "worker/job.go": "", "templates/a.html": "", "dist/site.css": "", "notes.tmp": "", "app.log": "", "README.md": "",
	})
	l, err := config.Load(config.Options{Dir: dir, Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"main.go":       "restarts app: it matches **/*.go (watch.globs, devserver.yaml:7)\ndoes not restart css: it matches **/* (processes.css.watch, default), but css has restart: never\nopen pages reload once the app is ready again",
		"worker/job.go": "restarts app: it matches **/*.go (watch.globs, devserver.yaml:7)\ndoes not restart css: it matches **/* (processes.css.watch, default), but css has restart: never\nrestarts worker: it matches worker/**/*.go (processes.worker.watch, devserver.yaml:15)\nopen pages reload once the app is ready again",
		"templates/a.html": "does not restart app: it matches templates/** (watch.globs, devserver.yaml:7), but also templates/** (watch.reload)\n" +
			"does not restart css: it matches **/* (processes.css.watch, default), but also templates/** (watch.reload)\nreloads the open pages: it is under templates/** (watch.reload or a process's reload)",
		"dist/site.css":  "does not restart css: it matches **/* (processes.css.watch, default), but css has restart: never\nswaps the open pages' stylesheets in place: it is under static.dir, which devserver serves",
		"notes.tmp":      "left out: .gitignore:3: *.tmp",
		"app.log":        "left out: watch.ignore (default): *.log",
		"README.md":      "left out: matches none of the watch globs",
		"devserver.yaml": "a config file (or a dotenv file it names): a save loads the config again and applies what changed",
		".env":           "a config file (or a dotenv file it names): a save loads the config again and applies what changed",
	} {
		lines, err := session.Why(l, filepath.Join(dir, path))
		if got := strings.Join(lines, "\n"); err != nil || got != want {
			t.Errorf("why %s:\n%s\nerr %v; want\n%s", path, got, err, want)
		}
	}
	if err := os.Remove(filepath.Join(dir, "main.go")); err != nil {
		t.Fatal(err)
	}
	if lines, _ := session.Why(l, filepath.Join(dir, "main.go")); !strings.HasPrefix(strings.Join(lines, "\n"), "restarts app") {
		t.Errorf("a file that is not there yet: %q", lines)
	}
}
