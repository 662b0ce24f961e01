//go:build unix

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestViteAndAnAPIFromInit is the day-one two-server project: a Vite
// frontend and an Express API from npm, configured by devserver init alone.
// Both answer on one origin, Vite's HMR socket opens through devserver, and
// clients of the API see no failure while it restarts for an edit; Vite
// itself is never restarted (its HMR state stays).
func TestViteAndAnAPIFromInit(t *testing.T) {
	testkit.SlowProof(t) // installs Vite and Express from npm
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed: cannot run Vite (apt-get install npm)")
	}
	t.Parallel() // most of it is npm install's wait, beside the other tests
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		"package.json": `{"private": true, "scripts": {"dev": "vite"}, "devDependencies": {"vite": "^5"}, "dependencies": {"express": "^4"}}`,
		"index.html":   "<!doctype html><title>vite</title><h1 id=t>Vite on devserver</h1><script type=module src=/main.js></script>\n",
		"main.js":      "fetch('/api/hello').then(r => r.text()).then(t => document.getElementById('t').textContent = t)\n",
		"server/index.js": `const express = require("express");
const app = express();
app.get("/api/hello", (req, res) => res.send("hello from express"));
const server = app.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`,
	})
	install := exec.Command("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Skipf("npm install failed (no registry?): %v\n%s", err, out)
	}
	if out, stderr, code := runIn(t, dir, nil, "init"); code != 0 || !strings.Contains(out, "recognised Node API (server/index.js) + Vite (package.json)") {
		t.Fatalf("init: exit %d\n%s%s", code, out, stderr)
	}
	d := startDevserver(t, dir, nil, "127.0.0.1:0")
	testkit.WaitFor(t, 60*time.Second, "Vite's page through devserver", func() bool {
		_, body := testkit.Get(t, d.URL)
		return strings.Contains(body, "/@vite/client") && strings.Contains(body, "Vite on devserver")
	})
	if _, body := testkit.Get(t, d.URL+"api/hello"); body != "hello from express" {
		t.Fatalf("/api/hello: %q", body)
	}
	hmrOpens(t, d.URL)

	stop := looping(d.URL+"api/hello", "hello from")
	replaceIn(t, filepath.Join(dir, "server", "index.js"), "hello from express", "hello from express, edited")
	testkit.WaitFor(t, 60*time.Second, "the edited API", func() bool {
		_, body := testkit.Get(t, d.URL+"api/hello")
		return body == "hello from express, edited"
	})
	if ok, failed, first := stop(); failed != 0 {
		t.Errorf("%d of %d requests to the API failed while it restarted; first: %v", failed, failed+ok, first)
	}
	if n := strings.Count(d.Stderr.String(), "msg=\"web started\""); n != 1 {
		t.Errorf("Vite started %d times, want once (its HMR must stay):\n%s", n, d.Stderr)
	}
}

// hmrOpens opens Vite's HMR WebSocket at / through devserver, as the page
// does (with the token Vite's client carries), and expects Vite's 101 and
// its first message.
func hmrOpens(t *testing.T, url string) {
	t.Helper()
	_, client := testkit.Get(t, url+"@vite/client")
	m := regexp.MustCompile(`wsToken = "([^"]*)"`).FindStringSubmatch(client)
	if m == nil {
		t.Fatalf("no HMR token in Vite's client:\n%.500s", client)
	}
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	host := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
	fmt.Fprintf(c, "GET /?token="+m[1]+" HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: vite-hmr\r\nOrigin: %s\r\n\r\n", host, strings.TrimSuffix(url, "/"))
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("Vite's HMR socket through devserver: %v %v", res, err)
	}
	frame := make([]byte, 64)
	n, _ := io.ReadAtLeast(br, frame, 2)
	if !strings.Contains(string(frame[:n]), "connected") {
		t.Errorf("Vite's first HMR message: %q", frame[:n])
	}
}
