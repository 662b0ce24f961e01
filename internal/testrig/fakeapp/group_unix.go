//go:build unix

package fakeapp

import (
	"os/exec"
	"syscall"
)

// leaveGroup starts c in a session of its own, out of the app's group.
func leaveGroup(c *exec.Cmd) { c.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
