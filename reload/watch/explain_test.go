package watch

import (
	"path/filepath"
	"testing"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestExplainNamesTheRule: for each way a file is left out, Explain names
// the rule and where it is written; a file that counts gets "".
func TestExplainNamesTheRule(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{
		".gitignore":  "# built\n*.log\n/build/\n",
		"src/.ignore": "secret.txt\n",
		"src/main.go": "", "src/app.log": "", "src/secret.txt": "", "build/out.js": "", "src/.main.go.swp": "",
		"vendor/x.go": "", "docs/a.md": "", "public/app.log": "",
	})
	opts := Options{Root: root, Paths: []string{"."}, Globs: []string{"**/*.go", "**/*.log", "**/*.txt", "**/*.js"},
		Ignore: []string{"vendor"}, Gitignore: true, Own: []string{filepath.Join(root, "public")}}
	for path, want := range map[string]string{
		"src/main.go":                      "",
		"src/app.log":                      ".gitignore:2: *.log",
		"build/out.js":                     ".gitignore:3: /build/ (its directory build is never walked)",
		"src/secret.txt":                   "src/.ignore:1: secret.txt",
		"src/.main.go.swp":                 "an editor's temporary file, never a change of its own",
		"vendor/x.go":                      "watch.ignore: vendor (its directory vendor is never walked)",
		"docs/a.md":                        "matches none of the watch globs",
		filepath.Join(t.TempDir(), "x.go"): "outside the watched paths (watch.paths)",
		"public/app.log":                   "", // static.dir: the .gitignore has no say
		"src/new.go":                       "", // not written yet
	} {
		got, err := Explain(opts, path)
		if err != nil || got != want {
			t.Errorf("Explain(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
}
