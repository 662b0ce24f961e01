//go:build unix

package main

import (
	"html"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestTheErrorPageLeadsWithTheError: with the real tool of each stack, a
// broken app's error page is titled with the error's message, not with
// "app exited (exit status 1)", which is under it; the terminal's line says
// the same message.
func TestTheErrorPageLeadsWithTheError(t *testing.T) {
	t.Parallel()
	h1 := regexp.MustCompile(`<h1>(.*?)</h1><p class="sub">(.*?)</p>`)
	for _, c := range []struct {
		name, tool, file, source, build, run, want string
	}{
		{"go", "go", "main.go", "package main\n\nfunc main() {\n\tprintln(thing)\n}\n", "go build -o app .", "./app", "undefined: thing"},
		{"python", "python3", "app.py", "settings = {}\nprint(settings['port'])\n", "", "python3 app.py", "KeyError: 'port'"},
		{"node", "node", "server.js", "const app = {};\napp.lisen(3000);\n", "", "node server.js", "TypeError: app.lisen is not a function"},
		{"ruby", "ruby", "app.rb", "require 'socket'\nputs thing\n", "", "ruby app.rb", "undefined local variable or method"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := exec.LookPath(c.tool); err != nil {
				t.Skipf("%s is not installed (CI installs it)", c.tool)
			}
			dir := t.TempDir()
			yaml := "port: 0\nwatch: {enabled: false}\napp:\n  run: " + c.run + "\n"
			if c.build != "" {
				yaml += "  build: " + c.build + "\n"
				testkit.WriteFile(t, filepath.Join(dir, "go.mod"), "module example.com/app\n\ngo 1.22\n")
			}
			testkit.WriteTree(t, dir, map[string]string{c.file: c.source, "devserver.yaml": yaml})
			var env []string
			if c.tool == "go" {
				env = goSetup(t, dir) // the build cache of the tests' own go: no standard library built anew
			}
			d := startDevserver(t, dir, env)
			var title, sub string
			testkit.WaitFor(t, 60*time.Second, "the error page", func() bool {
				_, body := testkit.Get(t, d.URL, "Accept", "text/html")
				m := h1.FindStringSubmatch(body)
				if m != nil {
					title, sub = html.UnescapeString(m[1]), html.UnescapeString(m[2])
				}
				return m != nil
			})
			if !strings.Contains(title, c.want) || !strings.Contains(sub, "(exit status") {
				t.Errorf("title %q under it %q; want %q, then what failed", title, sub, c.want)
			}
			if !strings.Contains(d.Stderr.String(), c.want) {
				t.Errorf("the terminal does not say %q:\n%s", c.want, d.Stderr)
			}
		})
	}
}
