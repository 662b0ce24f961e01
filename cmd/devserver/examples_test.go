//go:build unix

package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// copyDir copies an example into a temporary directory, so that running it
// writes nothing into the repository.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == ".devserver" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// goSetup gives a Go example the test's Go caches.
func goSetup(t *testing.T, dir string) []string {
	return []string{"GOCACHE=" + goEnv(t, "GOCACHE"), "GOPATH=" + goEnv(t, "GOPATH"), "GOFLAGS=-buildvcs=false"}
}

func replaceIn(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", file, old)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExamplesRun runs every recipe in examples/ under devserver, as its
// README says, and asks it for its page.
func TestExamplesRun(t *testing.T) {
	testkit.SlowProof(t)
	needBinary(t)
	t.Parallel() // builds and interpreters starting: waits, beside the other tests
	cases := []struct {
		dir, want string
		need      string // an interpreter it needs
		args      []string
		setup     func(t *testing.T, dir string) []string
		edit      func(t *testing.T, dir string) string // changes a file, returns what the page then says
		page      string                                // the page the edit shows on, if not /
	}{
		{dir: "go-web", want: "Go says hello (APP_ENV=development)", setup: func(t *testing.T, dir string) []string {
			os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module goweb\n\ngo 1.26\n"), 0o644)
			return goSetup(t, dir)
		}},
		{dir: "node-web", want: "Node says hello (NODE_ENV=development)", need: "node"},
		{dir: "python-web", want: "Python says hello (DEBUG=1)", need: "python3"},
		// Several servers on one origin: the frontend's server on /, the API
		// on /api, restarted for an edit of its own, and a worker after it.
		{dir: "fullstack", want: "A frontend and an API on one origin", need: "node", edit: func(t *testing.T, dir string) string {
			replaceIn(t, filepath.Join(dir, "api", "server.js"), "hello from the API", "the API, edited")
			return "the API, edited"
		}, page: "api/hello"},
		{dir: "static-site", want: "A static site served by devserver"},
		// Three processes: a stylesheet the css process builds from styles/
		// (restart: never; it watches them itself) is served at once.
		{dir: "processes", want: "Three processes, one devserver", need: "python3", edit: func(t *testing.T, dir string) string {
			testkit.WriteFile(t, filepath.Join(dir, "styles", "site.css"), "h1 { color: rebeccapurple; }\n")
			return "rebeccapurple"
		}, page: "static/app.css"},
		// The container's profile, run here on loopback (no Docker engine in
		// tests): the app builds, serves, and a change on the "host" shows.
		{dir: "docker", want: "Served from a shared folder (APP_ENV=development)", args: []string{"--profile", "docker"},
			setup: goSetup, edit: func(t *testing.T, dir string) string {
				replaceIn(t, filepath.Join(dir, "main.go"), "Served from a shared folder", "Changed on the host")
				return "Changed on the host"
			}},
		{dir: "hello", want: "<h1>hello</h1>", setup: func(t *testing.T, dir string) []string {
			// examples/hello has no config of its own: the repo's devserver.yaml
			// runs it (TestServesTheExampleApp); here, as a bare Go app.
			os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.26\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte("app:\n  build: go build -o .devserver/hello .\n  run: .devserver/hello\n"), 0o644)
			return goSetup(t, dir)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			args := append([]string{"127.0.0.1:0"}, tc.args...)
			if tc.need != "" {
				path, err := exec.LookPath(tc.need)
				if err != nil {
					t.Skipf("%s is not installed: cannot run the %s example", tc.need, tc.dir)
				}
				if tc.need == "python3" {
					// A pyenv shim needs the real HOME; run the interpreter itself.
					out, err := exec.Command(path, "-c", "import sys; print(sys.executable)").Output()
					if err != nil {
						t.Skipf("python3 does not run: %v", err)
					}
					args = append(args, "--run", strings.TrimSpace(string(out))+" app.py")
				}
			}
			dir := copyDir(t, filepath.Join("..", "..", "examples", tc.dir))
			var env []string
			if tc.setup != nil {
				env = tc.setup(t, dir)
			}
			d := startDevserver(t, dir, env, args...)
			status, body := testkit.Get(t, d.URL)
			if status != http.StatusOK || !strings.Contains(body, tc.want) {
				t.Errorf("GET /: %d %q, want %q", status, body, tc.want)
			}
			if tc.edit != nil {
				want := tc.edit(t, dir)
				testkit.WaitFor(t, 60*time.Second, "the change to show: "+want, func() bool {
					_, body := testkit.Get(t, d.URL+tc.page)
					return strings.Contains(body, want)
				})
			}
			// The config may hold app.env values: its bytes never go out
			// (an app that answers every path may still say 200).
			for _, cfg := range []string{"devserver.yaml", "devserver.toml"} {
				content, err := os.ReadFile(filepath.Join(dir, cfg))
				if err != nil {
					continue
				}
				if _, body := testkit.Get(t, d.URL+cfg); strings.Contains(body, strings.SplitN(string(content), "\n", 2)[0]) {
					t.Errorf("GET /%s served the config", cfg)
				}
			}
		})
	}
}
