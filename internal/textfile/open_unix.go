//go:build unix

package textfile

import (
	"os"
	"syscall"
)

// open opens path for reading without blocking: the file may have been
// swapped for a named pipe since it was looked at, and an open of a pipe
// waits for a writer.
func open(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
