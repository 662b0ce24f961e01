package session

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestTheGuardTellsAnAppendFromASave: a file appended to right after each
// ready is the app's, and the third time in a row it is blocked; a file
// rewritten right after each ready (a person, a test) never is, nor is one
// appended to long after.
func TestTheGuardTellsAnAppendFromASave(t *testing.T) {
	dir := t.TempDir()
	cfg := &config.Config{Root: dir}
	path := filepath.Join(dir, "out.txt")
	cases := []struct {
		name    string
		write   func(i int)
		after   time.Duration // from the ready to the write
		blocked bool
	}{
		{"appended right after each ready", func(i int) { appendTo(t, path, "GET /\n") }, 0, true},
		{"rewritten right after each ready", func(i int) { testkit.WriteFile(t, path, "version "+string(rune('a'+i))+" of the code\n") }, 0, false},
		{"appended long after each ready", func(i int) { appendTo(t, path, "GET /\n") }, afterReady + time.Second, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testkit.WriteFile(t, path, "start\n")
			var g loopGuard
			for i := range loopLimit {
				// The unit got ready c.after before the write; the file's
				// time says when it was written.
				ready := time.Now().Add(-c.after)
				c.write(i)
				restart, loop := g.restarts(cfg, "app", []string{"out.txt"}, ready)
				if last := i == loopLimit-1; last && c.blocked {
					if restart || loop == "" {
						t.Fatalf("batch %d: restart %v, loop %q; want it named and blocked", i+1, restart, loop)
					}
					if again, _ := g.restarts(cfg, "app", []string{"out.txt"}, ready); again {
						t.Fatal("a blocked file restarted the app")
					}
					return
				}
				if !restart || loop != "" {
					t.Fatalf("batch %d: restart %v, loop %q; want a restart", i+1, restart, loop)
				}
				g.asked = ready.Add(-time.Millisecond) // the restart was asked for before the ready
			}
		})
	}
}

func appendTo(t *testing.T, path, line string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line); err != nil {
		t.Fatal(err)
	}
}
