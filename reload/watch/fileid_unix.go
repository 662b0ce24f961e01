//go:build unix

package watch

import (
	"os"
	"syscall"
)

// fileID is the file's inode: a file replaced by another of the same size
// and time (an editor's safe write) is still seen as changed.
func fileID(info os.FileInfo) uint64 {
	if sys, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Ino)
	}
	return 0
}
