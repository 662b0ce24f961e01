package config_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestAnEditorCompletesFromTheSchema asks the language server behind VS
// Code's YAML extension (yaml-language-server, from npm) about a
// devserver.yaml that names the schema as `init` does, on its modeline:
// the keys it completes under watch, the values it offers for watch.mode,
// the hover text of a key, and the error it puts under a mistyped one.
func TestAnEditorCompletesFromTheSchema(t *testing.T) {
	testkit.SlowProof(t) // installs yaml-language-server from npm
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed: cannot run yaml-language-server (apt-get install npm)")
	}
	t.Parallel()
	dir := t.TempDir()
	install := exec.Command("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "yaml-language-server@1")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Skipf("npm install failed (no registry?): %v\n%s", err, out)
	}
	schema, err := filepath.Abs("../docs/devserver.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	ls := startLanguageServer(t, filepath.Join(dir, "node_modules", "yaml-language-server", "bin", "yaml-language-server"))
	uri := "file://" + filepath.ToSlash(filepath.Join(dir, "devserver.yaml"))
	doc := "# yaml-language-server: $schema=file://" + filepath.ToSlash(schema) + "\n" +
		"prot: 8000\nstrict_port: true\nwatch:\n  mode: \n  \n"
	ls.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "yaml", "version": 1, "text": doc}})

	labels := func(line, char int) map[string]string {
		var res struct {
			Items []struct {
				Label         string
				Documentation any
			}
		}
		ls.call("textDocument/completion", position(uri, line, char), &res)
		out := map[string]string{}
		for _, it := range res.Items {
			out[strings.Trim(it.Label, `"`)] = fmt.Sprint(it.Documentation)
		}
		return out
	}
	under := labels(5, 2) // the empty line under watch:
	// Not mode: it is there already, and editors offer only what is not.
	for _, key := range []string{"interval", "debounce", "reload", "ignore", "gitignore"} {
		if _, ok := under[key]; !ok {
			t.Errorf("completion under watch: has no %q (has %v)", key, keys(under))
		}
	}
	if doc := under["interval"]; !strings.Contains(doc, "poll") {
		t.Errorf("completion of watch.interval has no description from the key table: %q", doc)
	}
	values := labels(4, 8) // after "mode: "
	for _, v := range []string{"poll", "events", "auto", "radovskyb"} {
		if _, ok := values[v]; !ok {
			t.Errorf("completion of watch.mode has no %q (has %v)", v, keys(values))
		}
	}
	var hover struct{ Contents any }
	ls.call("textDocument/hover", position(uri, 2, 3), &hover)
	if h := fmt.Sprint(hover.Contents); !strings.Contains(h, "next free one") {
		t.Errorf("hover on strict_port: %q", h)
	}
	if d := ls.diagnostics(t, uri); !strings.Contains(d, "prot") {
		t.Errorf("no error under the mistyped key prot: %q", d)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func position(uri string, line, char int) map[string]any {
	return map[string]any{"textDocument": map[string]any{"uri": uri}, "position": map[string]any{"line": line, "character": char}}
}

// languageServer speaks the Language Server Protocol to a server on its
// stdin and stdout, as an editor does.
type languageServer struct {
	t     *testing.T
	in    io.Writer
	mu    sync.Mutex
	next  int
	calls map[int]chan json.RawMessage
	diags chan string // each publishDiagnostics' diagnostics, as JSON
}

func startLanguageServer(t *testing.T, bin string) *languageServer {
	t.Helper()
	cmd := exec.Command("node", bin, "--stdio")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Skipf("node cannot run yaml-language-server: %v", err)
	}
	t.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
	ls := &languageServer{t: t, in: in, calls: map[int]chan json.RawMessage{}, diags: make(chan string, 16)}
	go ls.read(bufio.NewReader(out))
	var init json.RawMessage
	ls.call("initialize", map[string]any{"processId": os.Getpid(), "rootUri": nil, "capabilities": map[string]any{
		"textDocument": map[string]any{"completion": map[string]any{"completionItem": map[string]any{"documentationFormat": []string{"plaintext"}}},
			"hover": map[string]any{"contentFormat": []string{"plaintext"}}}}}, &init)
	ls.notify("initialized", map[string]any{})
	ls.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"yaml": map[string]any{
		"validate": true, "hover": true, "completion": true, "schemaStore": map[string]any{"enable": false}}}})
	return ls
}

func (ls *languageServer) send(msg map[string]any) {
	msg["jsonrpc"] = "2.0"
	b, _ := json.Marshal(msg)
	fmt.Fprintf(ls.in, "Content-Length: %d\r\n\r\n%s", len(b), b)
}

func (ls *languageServer) notify(method string, params any) {
	ls.send(map[string]any{"method": method, "params": params})
}

// call sends a request and decodes its result into out.
func (ls *languageServer) call(method string, params, out any) {
	ls.t.Helper()
	ls.mu.Lock()
	ls.next++
	id, c := ls.next, make(chan json.RawMessage, 1)
	ls.calls[id] = c
	ls.mu.Unlock()
	ls.send(map[string]any{"id": id, "method": method, "params": params})
	select {
	case res := <-c:
		if err := json.Unmarshal(res, out); err != nil {
			ls.t.Fatalf("%s: %v: %s", method, err, res)
		}
	case <-time.After(30 * time.Second):
		ls.t.Fatalf("%s: no answer in 30s", method)
	}
}

// diagnostics waits for the diagnostics of uri that hold any.
func (ls *languageServer) diagnostics(t *testing.T, uri string) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case d := <-ls.diags:
			if strings.Contains(d, uri) && strings.Contains(d, `"message"`) {
				return d
			}
		case <-deadline:
			t.Fatal("no diagnostics in 30s")
		}
	}
}

// read takes the server's messages: answers, diagnostics, and requests
// of its own, which get an empty answer.
func (ls *languageServer) read(r *bufio.Reader) {
	for {
		n := 0
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				n, _ = strconv.Atoi(v)
			}
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var m struct {
			ID     *int
			Method string
			Result json.RawMessage
			Params json.RawMessage
		}
		if json.Unmarshal(body, &m) != nil {
			continue
		}
		switch {
		case m.Method == "textDocument/publishDiagnostics":
			select {
			case ls.diags <- string(m.Params):
			default:
			}
		case m.Method != "" && m.ID != nil:
			ls.send(map[string]any{"id": *m.ID, "result": nil})
		case m.ID != nil:
			ls.mu.Lock()
			c := ls.calls[*m.ID]
			ls.mu.Unlock()
			if c != nil {
				c <- m.Result
			}
		}
	}
}
