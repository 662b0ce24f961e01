package textfile

import (
	"os"
	"path/filepath"
)

// WriteAtomic writes data to path with mode perm through a new file beside
// it and a rename: a crash leaves the old file or the new one, never a torn
// one, and what was at path (a symbolic link included) is replaced, never
// written through.
func WriteAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".devserver-tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
