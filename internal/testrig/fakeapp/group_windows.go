package fakeapp

import (
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// leaveGroup starts c in a console process group of its own.
func leaveGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP}
}
