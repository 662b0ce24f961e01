//go:build unix

package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestConfigWatchSurvivesOddFiles: a config file (watched alone, by
// content) swapped for a named pipe
// (whose open would block) or a link to an endless device is read as
// missing, without blocking or reading without end, and the file that
// replaces it is seen.
func TestConfigWatchSurvivesOddFiles(t *testing.T) {
	cases := map[string]func(t *testing.T, path string){
		"named pipe": func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skip("mkfifo:", err)
			}
		},
		"link to /dev/zero": func(t *testing.T, p string) {
			if err := os.Symlink("/dev/zero", p); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			changed := make(chan Batch)
			dir := t.TempDir()
			path := filepath.Join(dir, "devserver.yaml")
			save := func(content string) {
				t.Helper()
				_ = os.Remove(path)
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			seen := func(what string) {
				t.Helper()
				select {
				case <-changed:
				case <-time.After(10 * time.Second):
					t.Fatalf("%s was not seen", what)
				}
			}
			save("port: 8000\n")
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan struct{})
			w, err := New(Options{Root: dir, Files: []string{path}, Interval: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			go func() { defer close(done); _ = w.Run(ctx, changed) }()
			defer func() { cancel(); <-done }()
			// Save until a change is seen: then the watcher has read the file.
			for i := 1; ; i++ {
				save(fmt.Sprintf("port: %d\n", 8000+i))
				select {
				case <-changed:
				case <-time.After(100 * time.Millisecond):
					if i < 100 {
						continue
					}
					t.Fatal("no change seen")
				}
				break
			}
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			mk(t, path)
			seen("the swap for an odd file")
			save("port: 9000\n")
			seen("the regular file that replaced it")
		})
	}
}
