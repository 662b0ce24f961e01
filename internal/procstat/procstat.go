// Package procstat reads the state of processes from Linux's
// /proc/PID/stat: the one parser devserver's process handling and its tests
// share. Elsewhere it finds nothing (see Available); the process layer of
// those systems does not rely on it. It does not signal or wait for
// anything.
package procstat

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Proc is what devserver needs of a process.
type Proc struct {
	PID, PPID, PGRP int
	State           byte // R, S, D, Z (zombie), X (dead), …
}

// Live reports whether the process runs: a zombie or a dead one does not.
// Where PID 1 does not reap orphans, zombies never go away, and they hold no
// port or file.
func (p Proc) Live() bool { return p.State != 'Z' && p.State != 'X' }

// Available reports whether this system has /proc to read: Linux does;
// macOS, the BSDs and Windows do not, and every answer here is then empty.
func Available() bool {
	if runtime.GOOS != "linux" {
		return false // Wine, say, shows Windows programs Linux's /proc
	}
	_, err := os.Stat("/proc/self/stat")
	return err == nil
}

// Read returns the process pid.
func Read(pid int) (Proc, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Proc{}, err
	}
	return parse(pid, string(data))
}

// All returns every process it can read; processes that end while it reads
// are left out.
func All() []Proc {
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	out := make([]Proc, 0, len(paths))
	for _, p := range paths {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil {
			continue
		}
		if proc, err := Read(pid); err == nil {
			out = append(out, proc)
		}
	}
	return out
}

// parse reads "pid (comm) state ppid pgrp …"; comm may hold spaces and
// parentheses, so the fields start after the last ")".
func parse(pid int, s string) (Proc, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return Proc{}, errors.New("malformed stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return Proc{}, errors.New("malformed stat")
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgrp, err2 := strconv.Atoi(f[2])
	if err := errors.Join(err1, err2); err != nil {
		return Proc{}, fmt.Errorf("malformed stat: %w", err)
	}
	return Proc{PID: pid, PPID: ppid, PGRP: pgrp, State: f[0][0]}, nil
}

// Sockets are the listening TCP sockets of one port, as /proc names them
// in a process's fd directory ("socket:[INODE]").
type Sockets map[string]bool

// ListeningSockets reads /proc/net/tcp and tcp6 for the sockets listening
// on port; it is cheap, one read of each table.
func ListeningSockets(port int) Sockets {
	socks := Sockets{}
	for sock, p := range ListeningPorts() {
		if p == port {
			socks[sock] = true
		}
	}
	return socks
}

// ListeningPorts maps every listening TCP socket (IPv4 and IPv6), as a
// process's fd directory names it ("socket:[INODE]"), to its port: one
// read of each table.
func ListeningPorts() map[string]int {
	ports := map[string]int{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A: LISTEN
				continue
			}
			_, hexPort, _ := strings.Cut(f[1], ":")
			if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
				ports["socket:["+f[9]+"]"] = int(p)
			}
		}
	}
	return ports
}

// PortsOf returns the ports of ports (ListeningPorts) that process pid
// listens on: a read of its fd directory.
func PortsOf(pid int, ports map[string]int) []int {
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	var out []int
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil {
			if port, ok := ports[target]; ok && !slices.Contains(out, port) {
				out = append(out, port)
			}
		}
	}
	return out
}

// HeldBy reports whether process pid holds one of the sockets: a read of
// that process's fd directory only.
func (s Sockets) HeldBy(pid int) bool {
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	return slices.ContainsFunc(fds, func(fd string) bool {
		target, err := os.Readlink(fd)
		return err == nil && s[target]
	})
}

// Holder returns a process holding one of the sockets and its command
// name, if /proc tells (a process of another user hides its sockets). It
// reads every process's file descriptors: tens of milliseconds on a busy
// machine, so ask HeldBy first about the processes you expect.
func (s Sockets) Holder() (Proc, string, bool) {
	if len(s) == 0 {
		return Proc{}, "", false
	}
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		target, err := os.Readlink(fd)
		if err != nil || !s[target] {
			continue
		}
		pidDir := filepath.Dir(filepath.Dir(fd))
		pid, _ := strconv.Atoi(filepath.Base(pidDir))
		proc, err := Read(pid)
		if err != nil {
			continue
		}
		name, _ := os.ReadFile(filepath.Join(pidDir, "comm"))
		return proc, strings.TrimSpace(string(name)), true
	}
	return Proc{}, "", false
}

// ListeningOn returns the process with a TCP socket listening on port (IPv4
// or IPv6) and its command name, if /proc tells.
func ListeningOn(port int) (Proc, string, bool) { return ListeningSockets(port).Holder() }

// Descends reports whether pid is a member of process group pgid, or
// descends from one, or from the process ancestor.
func Descends(pid, pgid, ancestor int) bool {
	for range 64 { // deeper trees than this are not devserver's apps
		p, err := Read(pid)
		if err != nil || p.PID <= 1 {
			return false
		}
		if p.PGRP == pgid || p.PID == ancestor {
			return true
		}
		pid = p.PPID
	}
	return false
}
