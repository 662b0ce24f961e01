//go:build unix

package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/devserver/devserver/control"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// goProject is a Go web app built by devserver, polled every 2 s: longer
// than a wait may take to see an edit without asking the watcher to look.
func goProject(t *testing.T, dir string) {
	t.Helper()
	testkit.WriteTree(t, dir, map[string]string{
		"go.mod": "module example.com/agent\n\ngo 1.22\n",
		"main.go": `package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "v1") })
	_ = http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil)
}
`,
		"devserver.yaml": "port: 0\napp:\n  build: go build -o .bin/app .\n  run: .bin/app\nwatch: {mode: poll, interval: 2s}\n",
	})
}

// TestAnAgentEditsWaitsAndLearnsWhatBroke is the loop a script or a coding
// agent runs: edit a file, `devserver wait`, read what broke and where; fix
// it, wait, and it is served. Then restart, logs, and what is said once
// devserver has stopped.
func TestAnAgentEditsWaitsAndLearnsWhatBroke(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	goProject(t, dir)
	d := startDevserver(t, dir, goSetup(t, dir))
	if _, body := testkit.Get(t, d.URL); body != "v1" {
		t.Fatalf("GET / = %q before any edit", body)
	}
	main := filepath.Join(dir, "main.go")
	replaceIn(t, main, `fmt.Fprint(w, "v1")`, `fmt.Fprint(w, undefinedName)`)
	out, errOut, code := runIn(t, dir, nil, "wait")
	if code != 1 || !strings.Contains(out, "app failed: undefined: undefinedName") || !strings.Contains(out, "at main.go:10:") ||
		!strings.Contains(out, "build failed (exit status 1)") || !strings.Contains(out, "fmt.Fprint(w, undefinedName)") {
		t.Fatalf("wait after a broken edit: exit %d\n%s%s", code, out, errOut)
	}
	out, _, _ = runIn(t, dir, nil, "status", "--json")
	var st control.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Units) != 1 || st.Units[0].Failure == nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if u := st.Units[0]; u.Name != "app" || u.State != "failed" || u.Failure.File != "main.go" || u.Failure.Line != 10 || st.URL != d.URL {
		t.Errorf("status --json: %+v, failure %+v", st, u.Failure)
	}

	afterTheBuild()
	replaceIn(t, main, `fmt.Fprint(w, undefinedName)`, `fmt.Fprint(w, "v2")`)
	if out, errOut, code := runIn(t, dir, nil, "wait"); code != 0 || !strings.Contains(out, "ready: app") {
		t.Fatalf("wait after the fix: exit %d\n%s%s", code, out, errOut)
	}
	if _, body := testkit.Get(t, d.URL); body != "v2" {
		t.Errorf("GET / = %q once wait said ready, want v2", body)
	}
	if out, _, _ := runIn(t, dir, nil, "logs", "app", "-n", "50"); !strings.Contains(out, "undefined: undefinedName") {
		t.Errorf("logs app has not the build's error:\n%s", out)
	}

	before := st.Units[0].Restarts
	if out, errOut, code := runIn(t, dir, nil, "restart", "app"); code != 0 || !strings.Contains(out, "ready: app") {
		t.Errorf("restart app: exit %d\n%s%s", code, out, errOut)
	}
	out, _, _ = runIn(t, dir, nil, "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Units[0].Restarts < before+2 || st.Units[0].State != "ready" {
		t.Errorf("after restart, status: %v\n%s", err, out)
	}
	if _, errOut, code := runIn(t, dir, nil, "restart", "nosuch"); code != 1 || !strings.Contains(errOut, `no unit "nosuch"; the units are app`) {
		t.Errorf("restart nosuch: exit %d: %s", code, errOut)
	}

	if code := interrupt(t, d); code != 0 {
		t.Errorf("exit %d after Ctrl+C", code)
	}
	if _, errOut, code := runIn(t, dir, nil, "status"); code != 1 || !strings.Contains(errOut, "no devserver runs for this project") {
		t.Errorf("status once stopped: exit %d: %s", code, errOut)
	}
}

// TestAKilledDevserversStateIsCleaned: after kill -9, the state file is
// found stale, said so, and removed.
func TestAKilledDevserversStateIsCleaned(t *testing.T) {
	t.Parallel()
	dir, _ := project(t, "serve", "")
	d := startDevserver(t, dir, nil)
	if _, _, code := runIn(t, dir, nil, "status"); code != 0 {
		t.Fatal("status of a running devserver failed")
	}
	d.Cmd.Process.Kill()
	<-d.Done
	_, errOut, code := runIn(t, dir, nil, "status")
	if code != 1 || !strings.Contains(errOut, "is gone; its .devserver/control.json was removed") {
		t.Errorf("status after kill -9: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, control.StateFile)); !os.IsNotExist(err) {
		t.Errorf("the stale state file is still there: %v", err)
	}
}

// TestTheChannelIsThisUsersAlone: the state file and the socket are the
// user's alone, a request without the token is refused, the public port
// knows nothing of the channel, and another user cannot ask.
func TestTheChannelIsThisUsersAlone(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix modes and users")
	}
	dir, err := os.MkdirTemp("", "devserver-channel-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755) // others may enter the project, as in a home directory
	testkit.WriteFile(t, filepath.Join(dir, "index.html"), "<p>hi</p>")
	d := startDevserver(t, dir, nil, "--port", "0")
	var ep struct{ Network, Address string }
	b, err := os.ReadFile(filepath.Join(dir, control.StateFile))
	if err != nil || json.Unmarshal(b, &ep) != nil {
		t.Fatalf("state file: %v %s", err, b)
	}
	for _, p := range []string{filepath.Join(dir, control.StateFile), ep.Address} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", p, st.Mode().Perm(), err)
		}
	}
	tr := &http.Transport{Dial: func(_, _ string) (net.Conn, error) { return net.Dial(ep.Network, ep.Address) }}
	resp, err := (&http.Client{Transport: tr}).Get("http://devserver/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(body), `"units"`) {
		t.Errorf("a request without the token: %d %s", resp.StatusCode, body)
	}
	if status, body := testkit.Get(t, d.URL+"v1/status"); status != http.StatusNotFound || strings.Contains(body, `"units"`) {
		t.Errorf("the public port answered /v1/status: %d %s", status, body)
	}
	asAnotherUser(t, dir)
}

// asAnotherUser runs `devserver status` in dir as nobody, which must be
// refused; it skips where no other user can be had.
func asAnotherUser(t *testing.T, dir string) {
	t.Helper()
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Log("not root, or no setpriv: another user's attempt is not tried")
		return
	}
	binDir, err := os.MkdirTemp("", "devserver-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(binDir) })
	os.Chmod(binDir, 0o755)
	bin := filepath.Join(binDir, "devserver") // a copy nobody may run
	b, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin, "status")
	cmd.Dir, cmd.Env = dir, []string{"HOME=/nonexistent", "PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "runs as another user") {
		t.Errorf("status as nobody: %v\n%s", err, out)
	}
}

// TestAnAgentOverMCP drives `devserver mcp` with the MCP SDK's own client,
// as an agent's host would: it lists the tools and calls each, against a
// unit whose build fails and is then fixed.
func TestAnAgentOverMCP(t *testing.T) {
	t.Parallel()
	dir, _ := project(t, "serve", "")
	replaceIn(t, filepath.Join(dir, "devserver.yaml"), "app:\n",
		"app:\n  build: \"if grep -q broken main.go; then echo 'main.go:3:5: undefined: x' >&2; exit 1; fi\"\n")
	testkit.WriteFile(t, filepath.Join(dir, "main.go"), "package main\n\nvar _ = x // broken\n")
	session := mcpSession(t, dir)
	ctx := context.Background()
	if text, isErr := callTool(t, session, "status", nil); !isErr || !strings.Contains(text, "no devserver runs for this project") {
		t.Errorf("status with no devserver: error %v: %s", isErr, text)
	}
	startDevserver(t, dir, nil)

	tools, err := session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	if slices.Sort(names); !slices.Equal(names, []string{"errors", "logs", "restart", "status", "wait"}) {
		t.Errorf("tools %v", names)
	}
	if text, _ := callTool(t, session, "wait", nil); !strings.Contains(text, "app failed: undefined: x") || !strings.Contains(text, "at main.go:3:5") {
		t.Errorf("wait on a failed build:\n%s", text)
	}
	if text, _ := callTool(t, session, "errors", nil); !strings.Contains(text, "at main.go:3:5") || !strings.Contains(text, ">    3 | var _ = x // broken") {
		t.Errorf("errors:\n%s", text)
	}
	if text, _ := callTool(t, session, "status", nil); !strings.Contains(text, "app   failed") {
		t.Errorf("status:\n%s", text)
	}
	if text, _ := callTool(t, session, "logs", map[string]any{"unit": "app", "lines": 5}); !strings.Contains(text, "main.go:3:5: undefined: x") {
		t.Errorf("logs:\n%s", text)
	}
	afterTheBuild()
	testkit.WriteFile(t, filepath.Join(dir, "main.go"), "package main\n\nvar _ = 1\n")
	if text, _ := callTool(t, session, "wait", map[string]any{"timeout_seconds": 60}); !strings.Contains(text, "ready: app") {
		t.Errorf("wait after the fix:\n%s", text)
	}
	if text, _ := callTool(t, session, "restart", map[string]any{"units": []string{"app"}}); !strings.Contains(text, "ready: app") {
		t.Errorf("restart:\n%s", text)
	}
}

// mcpSession runs `devserver mcp` in dir and connects the SDK's client.
func mcpSession(t *testing.T, dir string) *mcp.ClientSession {
	t.Helper()
	needBinary(t)
	cmd := exec.Command(binary, "mcp")
	cmd.Dir, cmd.Env = dir, []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "v0"}, nil)
	session, err := client.Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { session.Close() })
	return session
}

// callTool calls a tool and returns its text and whether it is an error.
func callTool(t *testing.T, s *mcp.ClientSession, name string, args map[string]any) (string, bool) {
	t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String(), res.IsError
}

// afterTheBuild steps past the moments just after a build ends, where a
// file written for the first time cannot be told from the build's output
// (file times are a few milliseconds coarse; reload's buildMargin is 10 ms)
// and is taken for it. An agent thinks longer than that before its fix;
// these tests, without the pause, do not.
func afterTheBuild() { time.Sleep(50 * time.Millisecond) }
