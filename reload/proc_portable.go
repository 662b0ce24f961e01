//go:build unix && (!linux || devserver_portable)

package reload

import (
	"bytes"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// The process layer where there is no /proc: macOS and the BSDs, and Linux
// built with the devserver_portable tag so that this path runs in CI. The
// process list comes from ps(1), which every Unix has; the guard adopts no
// orphans (see SECURITY.md for what that leaves out).

// proc is one line of the process list.
type proc struct {
	pid, ppid, pgid int
	zombie          bool
}

// processList asks ps for every process. It returns nil if ps fails.
func processList() []proc {
	ps := exec.Command("ps", "-A", "-o", "pid=,ppid=,pgid=,stat=")
	out, err := ps.Output()
	if err != nil {
		return nil
	}
	var list []proc
	for line := range bytes.Lines(out) {
		f := strings.Fields(string(line))
		if len(f) < 4 {
			continue
		}
		pid, err1 := strconv.Atoi(f[0])
		ppid, err2 := strconv.Atoi(f[1])
		pgid, err3 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		if pid == ps.Process.Pid {
			continue // ps itself, a child of whoever asks
		}
		list = append(list, proc{pid: pid, ppid: ppid, pgid: pgid, zombie: strings.HasPrefix(f[3], "Z")})
	}
	return list
}

// groupAlive reports whether any live process (not a zombie) is in process
// group pgid. The kernel answers first; ps only when it says yes, since a
// group of zombies (where PID 1 does not reap) answers the kernel too.
func groupAlive(pgid int) bool {
	if err := syscall.Kill(-pgid, 0); err == syscall.ESRCH {
		return false
	}
	list := processList()
	if list == nil {
		return true // the kernel said yes, and nothing says otherwise
	}
	return slices.ContainsFunc(list, func(p proc) bool { return p.pgid == pgid && !p.zombie })
}

// children lists the live children of pid (the guard) outside the app's
// group. Without a subreaper, orphans are not the guard's: strays finds
// those while their parents still live.
func children(pid, pgid int) []int {
	var out []int
	for _, p := range processList() {
		if p.ppid == pid && p.pgid != pgid && !p.zombie {
			out = append(out, p.pid)
		}
	}
	return out
}

// strays lists the live descendants of root, through any depth, that are
// outside process group pgid: children that left the app's group (setsid)
// while their parents are alive to say whose they are. Once the group is
// killed they would be init's, and out of sight.
func strays(root, pgid int) []int {
	list := processList()
	ours := map[int]bool{root: true}
	for _, p := range list {
		if p.pgid == pgid {
			ours[p.pid] = true
		}
	}
	for grew := true; grew; { // the transitive closure by parent
		grew = false
		for _, p := range list {
			if !ours[p.pid] && ours[p.ppid] {
				ours[p.pid], grew = true, true
			}
		}
	}
	var out []int
	for _, p := range list {
		if ours[p.pid] && p.pid != root && p.pgid != pgid && !p.zombie {
			out = append(out, p.pid)
		}
	}
	return out
}

// subreaper says whether the guard adopts the orphans of its tree.
const subreaper = false

// becomeSubreaper does nothing where no subreaper exists.
func becomeSubreaper() error { return nil }
