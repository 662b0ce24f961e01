//go:build unix

package fakeapp

import (
	"os/exec"
	"syscall"

	"github.com/devserver/devserver/internal/procstat"
)

// leaveGroup starts c in a session of its own, out of the app's group.
func leaveGroup(c *exec.Cmd) { c.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

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
