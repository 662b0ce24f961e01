//go:build linux && !devserver_portable

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

// children lists the live processes whose parent is pid: as a subreaper,
// the guard's children include every orphan of the tree, so the app's
// group (pgid) needs no looking at.
func children(pid, _ int) []int {
	var out []int
	for _, p := range procstat.All() {
		if p.PPID == pid && p.Live() {
			out = append(out, p.PID)
		}
	}
	return out
}

// strays is nil here: the guard is a subreaper, and every orphan of the
// tree becomes its child, to be found by children after the group is gone.
func strays(int, int) []int { return nil }

// subreaper says whether the guard adopts the orphans of its tree.
const subreaper = true

// becomeSubreaper makes orphaned descendants of this process its children,
// so that it can reap them and see them all.
func becomeSubreaper() error {
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}
