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

	"github.com/devserver/devserver/internal/testkit"
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
