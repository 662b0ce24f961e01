//go:build !windows

package control

import (
	"fmt"
	"os"
	"syscall"
)

// ownedPrivate checks that dir is this user's own directory, closed to
// others: a shared temporary directory where another user made it first
// must not hold this user's socket.
func ownedPrivate(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !st.IsDir() || !ok || int(sys.Uid) != os.Getuid() || st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is not a directory of this user's alone (mode 0700)", dir)
	}
	return nil
}
