//go:build unix

// Command pictures makes the README's pictures (make pictures): the
// terminal of devserver running examples/processes, captured from tmux
// with its colours, and the error page of an app whose build fails, both
// shown by headless Chromium and saved as PNG in docs/pictures.
package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/devserver/devserver/internal/errorpage/ansi"
	"github.com/devserver/devserver/internal/testrig/browser"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pictures:", err)
		os.Exit(1)
	}
}

func run() error {
	tmp, err := os.MkdirTemp("", "devserver-pictures-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "devserver")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/devserver").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	path, err := browser.Find()
	if err != nil {
		return err
	}
	b, err := browser.Start(path, filepath.Join(tmp, "chromium"))
	if err != nil {
		return err
	}
	defer b.Close()
	screen, err := terminal(tmp, bin)
	if err != nil {
		return err
	}
	page := filepath.Join(tmp, "terminal.html")
	if err := os.WriteFile(page, []byte(terminalPage(screen)), 0o644); err != nil {
		return err
	}
	if err := shoot(b, "file://"+page, "docs/pictures/terminal.png", 1100, 600); err != nil {
		return err
	}
	url, stop, err := failing(tmp, bin)
	if err != nil {
		return err
	}
	defer stop()
	return shoot(b, url, "docs/pictures/error-page.png", 1100, 700)
}

// terminal runs devserver on a copy of examples/processes in tmux, makes a
// request and a change, and returns the screen with its colours.
func terminal(tmp, bin string) (string, error) {
	dir := filepath.Join(tmp, "processes")
	if err := exec.Command("cp", "-r", "examples/processes", dir).Run(); err != nil {
		return "", err
	}
	sock := filepath.Join(tmp, "tmux")
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
		return string(out), err
	}
	shell := fmt.Sprintf("cd %q && env -i PATH=%q HOME=%q TERM=xterm-256color %q 127.0.0.1:8000; sleep 60", dir, os.Getenv("PATH"), tmp, bin)
	if out, err := tmux("new-session", "-d", "-x", "120", "-y", "30", "-s", "pictures", shell); err != nil {
		return "", fmt.Errorf("tmux (apt-get install tmux): %v %s", err, out)
	}
	defer tmux("kill-server")
	capture := func() string { out, _ := tmux("capture-pane", "-p", "-e", "-t", "pictures"); return out }
	if !waitFor(func() bool {
		return strings.Contains(ansi.Strip(capture()), "ready") && strings.Contains(ansi.Strip(capture()), "worker up")
	}) {
		return "", fmt.Errorf("devserver did not start in tmux:\n%s", ansi.Strip(capture()))
	}
	for _, p := range []string{"/", "/static/app.css"} {
		if res, err := http.Get("http://127.0.0.1:8000" + p); err == nil {
			res.Body.Close()
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "worker", "main.py"), append(mustRead(filepath.Join(dir, "worker", "main.py")), "\n# changed\n"...), 0o644); err != nil {
		return "", err
	}
	if !waitFor(func() bool { return strings.Count(ansi.Strip(capture()), "worker up") == 2 }) {
		return "", errors.New("the worker did not restart")
	}
	if res, err := http.Get("http://127.0.0.1:8000/"); err == nil {
		res.Body.Close()
	}
	time.Sleep(300 * time.Millisecond) // the request's line
	return strings.TrimRight(capture(), "\n"), nil
}

// failing runs devserver on a Go app whose build fails and returns its URL.
func failing(tmp, bin string) (string, func(), error) {
	dir := filepath.Join(tmp, "broken")
	files := map[string]string{
		"go.mod":         "module example.com/shop\n\ngo 1.22\n",
		"main.go":        "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"os\"\n)\n\nfunc main() {\n\thttp.HandleFunc(\"/\", func(w http.ResponseWriter, r *http.Request) {\n\t\tfmt.Fprintln(w, greeting(r))\n\t})\n\thttp.ListenAndServe(\"127.0.0.1:\"+os.Getenv(\"PORT\"), nil)\n}\n",
		"greet.go":       "package main\n\nimport \"net/http\"\n\nfunc greeting(r *http.Request) string {\n\tname := r.URL.Query().Get(\"name\")\n\treturn \"Hello, \" + nmae\n}\n",
		"devserver.yaml": "app:\n  build: go build -o .devserver/shop .\n  run: .devserver/shop\n",
	}
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			return "", nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return "", nil, err
		}
	}
	cmd := exec.Command(bin, "127.0.0.1:8001")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }
	url := "http://127.0.0.1:8001/"
	if !waitFor(func() bool {
		res, err := http.Get(url)
		ok := err == nil && res.StatusCode == http.StatusBadGateway
		closeBody(res)
		return ok
	}) {
		stop()
		return "", nil, errors.New("no error page from the broken app")
	}
	return url, stop, nil
}

func closeBody(res *http.Response) {
	if res != nil {
		res.Body.Close()
	}
}

// terminalPage is the screen as an HTML page that looks like a terminal.
func terminalPage(screen string) string {
	return `<!doctype html><meta charset="utf-8"><style>
body{margin:0;background:#fdfdfd}
pre{margin:0;padding:16px 20px;font:14px/1.35 "DejaVu Sans Mono",ui-monospace,monospace;color:#222;white-space:pre}
</style><title>` + html.EscapeString("devserver") + `</title><pre>` + ansi.HTML(screen) + `</pre>`
}

// shoot opens url in the browser and saves a width × height PNG to file.
func shoot(b *browser.Browser, url, file string, width, height int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := b.Open(ctx, url)
	if err != nil {
		return err
	}
	if !waitFor(func() bool {
		v, err := p.Eval(ctx, "document.readyState")
		return err == nil && string(v) == `"complete"`
	}) {
		return fmt.Errorf("%s did not load", url)
	}
	png, err := p.Screenshot(ctx, width, height)
	if err != nil {
		return err
	}
	fmt.Println("wrote", file)
	return os.WriteFile(file, png, 0o644)
}

func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}

func mustRead(name string) []byte {
	b, _ := os.ReadFile(name)
	return b
}
