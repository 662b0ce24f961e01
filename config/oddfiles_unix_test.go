//go:build unix

package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOddConfigFiles: a config file that is a dangling link, a loop of
// links, a named pipe or a link to an endless device is an error naming the
// path, whether found or named with --config, and nothing blocks or reads
// without end.
func TestOddConfigFiles(t *testing.T) {
	cases := []struct {
		name string
		make func(t *testing.T, path string)
		want string
	}{
		{"dangling link", func(t *testing.T, p string) { symlink(t, "gone.yaml", p) },
			"a symbolic link to gone.yaml, which does not exist"},
		{"link loop", func(t *testing.T, p string) {
			symlink(t, "loop.yaml", p)
			symlink(t, filepath.Base(p), filepath.Join(filepath.Dir(p), "loop.yaml"))
		}, "a loop of symbolic links"},
		{"named pipe", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skip("mkfifo:", err)
			}
		}, "a named pipe, not a regular file"},
		{"link to /dev/zero", func(t *testing.T, p string) { symlink(t, "/dev/zero", p) },
			"a symbolic link to /dev/zero, which is a character device, not a regular file"},
		{"link to a directory", func(t *testing.T, p string) { symlink(t, ".", p) },
			"directory"},
	}
	for _, tc := range cases {
		for _, how := range []string{"found", "--config", "overlay"} {
			t.Run(tc.name+"/"+how, func(t *testing.T) {
				dir := t.TempDir()
				name := "devserver.yaml"
				opts := Options{Dir: dir}
				switch how {
				case "--config":
					name = "dev.yaml"
					opts.Flags = map[string]string{"config": name}
				case "overlay":
					if err := os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte("port: 9000\n"), 0o644); err != nil {
						t.Fatal(err)
					}
					name = "devserver.local.yaml"
				}
				tc.make(t, filepath.Join(dir, name))
				done := make(chan error, 1)
				go func() { _, err := Load(opts); done <- err }()
				var err error
				select {
				case err = <-done:
				case <-time.After(20 * time.Second):
					t.Fatal("Load still reading after 20s")
				}
				if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("Load = %v, want an error naming %s: %s", err, name, tc.want)
				}
			})
		}
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
