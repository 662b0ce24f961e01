package session_test

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestARequestLogInTheTreeDoesNotLoop: an app that appends to a log in the
// project at every request, with an open tab that reloads when told, as a
// browser does. Each reload's request writes the log, which restarted the
// app, which reloaded the tab, for ever. The guard names the log after
// three starts and restarts no more for it (loopGuard's own test); a save
// of the code still restarts the app.
func TestARequestLogInTheTreeDoesNotLoop(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		"src/app.txt": "v1",
		"devserver.yaml": fmt.Sprintf("port: 0\nlivereload: true\nwatch: {interval: 20ms, debounce: 10ms}\n"+
			"app: {run: %s, env: {FAKEAPP: serve, ACCESSLOG: %s}, stop_timeout: 2s}\n",
			strconv.Quote(strconv.Quote(self)), strconv.Quote(filepath.Join(dir, "requests.txt"))),
	})
	r := run(t, dir, nil)
	r.waitLog(t, `msg="app ready"`, 1)
	base := fmt.Sprintf("http://127.0.0.1:%d", r.addr.Port)
	go tab(t, base)

	r.waitLog(t, "restart loop: requests.txt changed right after each of the last 3 starts", 1)
	starts := r.countLog(`msg="app ready"`)
	if starts > 1+3 {
		t.Errorf("%d starts before the loop was named, want at most 4", starts)
	}
	// The code is still watched: a save restarts the app.
	testkit.WriteFile(t, filepath.Join(dir, "src", "app.txt"), "v2")
	r.waitLog(t, `msg="app ready"`, starts+1)
}

// tab is an open page with live reload: it asks for / whenever the
// server tells it to reload, until the server goes.
func tab(t *testing.T, base string) {
	req, _ := http.NewRequest("GET", base+"/__devserver/livereload", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer res.Body.Close()
	http.Get(base + "/") // the page's first load
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: reload") {
			if res, err := http.Get(base + "/"); err == nil {
				res.Body.Close()
			}
		}
	}
}

// TestReloadGlobsRestartNothing: a template under watch.reload reloads the
// open tab without a restart (the app that answers it is the one that
// answered before), a stylesheet under it is swapped in place, and a save
// of the code still restarts the app.
func TestReloadGlobsRestartNothing(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	testkit.WriteTree(t, dir, map[string]string{
		"src/app.txt": "v1", "templates/a.html": "<p>1</p>", "assets/site.css": "p{}",
		"devserver.yaml": fmt.Sprintf("port: 0\nlivereload: true\nwatch: {interval: 20ms, debounce: 10ms, reload: [\"templates/**\", \"assets/**\"]}\n"+
			"app: {run: %s, env: {FAKEAPP: serve}, stop_timeout: 2s}\n", strconv.Quote(strconv.Quote(self))),
	})
	r := run(t, dir, nil)
	r.waitLog(t, `msg="app ready"`, 1)
	base := fmt.Sprintf("http://127.0.0.1:%d", r.addr.Port)
	_, before := testkit.Get(t, base+"/")
	events := listen(t, base)

	testkit.WriteFile(t, filepath.Join(dir, "templates", "a.html"), "<p>2</p>")
	if ev := next(t, events); ev != "reload" {
		t.Fatalf("a template edit sent %q, want reload", ev)
	}
	if _, body := testkit.Get(t, base+"/"); body != before {
		t.Errorf("after a template edit the app answered %q, before %q: it restarted", body, before)
	}
	testkit.WriteFile(t, filepath.Join(dir, "assets", "site.css"), "p{color:red}")
	if ev := next(t, events); ev != "css" {
		t.Fatalf("a stylesheet edit sent %q, want css", ev)
	}
	testkit.WriteFile(t, filepath.Join(dir, "src", "app.txt"), "v2")
	r.waitLog(t, `msg="app ready"`, 2)
	if n := r.countLog(`msg="app ready"`); n != 2 {
		t.Errorf("%d starts, want 2: the first and the code's save", n)
	}
}

// listen opens the live-reload stream and returns its events' names, but
// for the greeting it opens with.
func listen(t *testing.T, base string) <-chan string {
	t.Helper()
	res, err := http.Get(base + "/__devserver/livereload")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	out := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok && name != "hello" {
				out <- name
			}
		}
	}()
	return out
}

// next is the stream's next event, within 20 seconds.
func next(t *testing.T, events <-chan string) string {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no live-reload event in 20s")
		return ""
	}
}
