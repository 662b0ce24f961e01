package testkit

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// WriteFile writes content to path, making its directories.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteTree writes files (slash-separated name → content) under root.
func WriteTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		WriteFile(t, filepath.Join(root, filepath.FromSlash(name)), content)
	}
}

// SaveAtomic replaces path as editors do: a new file beside it, renamed
// over it.
func SaveAtomic(t testing.TB, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	WriteFile(t, tmp, content)
	// Windows refuses a rename over a file that another process has open
	// without delete sharing at that moment (Wine at times even with it:
	// devserver's own reads share deletes); editors there try again, and so
	// does this one, for a second.
	var err error
	for try := 0; try < 50; try++ {
		if err = os.Rename(tmp, path); err == nil || runtime.GOOS != "windows" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
}
