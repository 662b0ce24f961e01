package reload

import (
	"slices"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/devserver/devserver/internal/procstat"
)

// groupAlive reports whether any live process (not a zombie) is in process
// group pgid.
func groupAlive(pgid int) bool {
	if err := syscall.Kill(-pgid, 0); err == syscall.ESRCH {
		return false
	}
	return slices.ContainsFunc(procstat.All(), func(p procstat.Proc) bool { return p.PGRP == pgid && p.Live() })
}

// children lists the live processes whose parent is pid.
func children(pid int) []int {
	var out []int
	for _, p := range procstat.All() {
		if p.PPID == pid && p.Live() {
			out = append(out, p.PID)
		}
	}
	return out
}

// becomeSubreaper makes orphaned descendants of this process its children,
// so that it can reap them and see them all.
func becomeSubreaper() error {
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}
