//go:build unix

package watch

import (
	"errors"
	"syscall"
)

// tooMany reports whether adding a watch failed for a limit of the system
// (inotify's max_user_watches, or out of descriptors under kqueue).
func tooMany(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}
