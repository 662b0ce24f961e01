//go:build unix

package testkit

import (
	"syscall"

	"github.com/devserver/devserver/internal/procstat"
)

// Alive reports whether pid is a live process; zombies count as dead (where
// PID 1 does not reap orphans, they stay forever). Without /proc, the
// kernel's word is taken.
func Alive(pid int) bool {
	if p, err := procstat.Read(pid); err == nil {
		return p.Live()
	}
	if procstat.Available() {
		return false
	}
	return syscall.Kill(pid, 0) == nil
}
