package session_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/control"
	"github.com/devserver/devserver/internal/recent"
	"github.com/devserver/devserver/internal/testrig/testkit"
	"github.com/devserver/devserver/session"
)

// TestTheControlChannel: a session with a control channel answers wait,
// status and restart over it, on every OS (a Unix socket, or loopback TCP
// on Windows), and removes its state file when it ends.
func TestTheControlChannel(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(appConfig(t, "", "1", "", "")), 0o644)
	t.Cleanup(func() { // after the session's own cleanup has stopped it
		if _, err := os.Stat(filepath.Join(dir, control.StateFile)); !os.IsNotExist(err) {
			t.Errorf("the state file outlived the session: %v", err)
		}
	})
	runWith(t, dir, session.Options{Control: true})
	c, err := control.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if s, err := c.Wait(ctx, 0); err != nil || !s.Ready() {
		t.Fatalf("wait: %+v, %v", s, err)
	}
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Units) != 1 || st.Units[0].Name != "app" || st.Units[0].State != "ready" || st.Units[0].PID == 0 || st.Root != dir {
		t.Fatalf("status: %+v", st)
	}
	first := st.Units[0].PID
	followed := make(chan string, 100)
	fctx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	go c.Logs(fctx, "app", 1, true, func(l recent.Line) error {
		followed <- l.Text
		return nil
	})
	// The last line comes first, sent once the stream follows: the
	// restart's lines can only come after it.
	if l := receive(t, followed); l != "fake app listening" {
		t.Fatalf("logs -n 1 -f began with %q", l)
	}
	s, err := c.Restart(ctx, []string{"app"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if u := s.Units[0]; !s.Ready() || u.PID == first || u.PID == 0 || u.Restarts != 1 {
		t.Errorf("after restart app: %+v (first pid %d)", s, first)
	}
	var last []string
	c.Logs(ctx, "app", 10, false, func(l recent.Line) error {
		last = append(last, l.Text)
		return nil
	})
	if n := slices.Index(last, "fake app listening"); n < 0 || slices.Index(last[n+1:], "fake app listening") < 0 {
		t.Errorf("logs app -n 10: %q, want the line of each start", last)
	}
	if l := receive(t, followed); l != "fake app listening" {
		t.Errorf("logs -f followed %q", l)
	}
}

// receive is the next line, or a failure after 20 s.
func receive(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l := <-lines:
		return l
	case <-time.After(20 * time.Second):
		t.Fatal("no line followed")
		return ""
	}
}

// TestOwnStateIsNoSource: with a watch.ignore that leaves .devserver in,
// the control channel's files and anything else there restart nothing,
// while a source still does; devserver wait sees both through.
func TestOwnStateIsNoSource(t *testing.T) {
	dir := t.TempDir()
	cfg := strings.Replace(appConfig(t, "", "1", "", ""), "watch: {enabled: false, interval: 20ms}", "watch: {interval: 20ms, debounce: 10ms, ignore: []}", 1)
	os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(cfg), 0o644)
	r := runWith(t, dir, session.Options{Control: true})
	c, err := control.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	settle := func() {
		t.Helper()
		if s, err := c.Wait(ctx, 0); err != nil || !s.Ready() {
			t.Fatalf("wait: %+v, %v", s, err)
		}
	}
	settle()
	testkit.WriteFile(t, filepath.Join(dir, ".devserver", "scratch"), "x")
	settle()
	if n := r.countLog(`msg="app started"`); n != 1 {
		t.Errorf("%d app starts after a write in .devserver, want 1:\n%s", n, r.log)
	}
	testkit.WriteFile(t, filepath.Join(dir, "main.go"), "package main\n")
	settle()
	if n := r.countLog(`msg="app started"`); n != 2 {
		t.Errorf("%d app starts after a source changed, want 2:\n%s", n, r.log)
	}
}
