//go:build unix

package reload

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/devserver/devserver/internal/procstat"
	"github.com/devserver/devserver/internal/signals"
)

// procSys is a tree on Unix: a process group led by the command, started
// by the guard (guard.go), which ends the group if devserver dies.
type procSys struct {
	guard  *exec.Cmd
	parent *os.File // write end of the guard's fd 3; closing it stops the tree
	pgid   int      // the command's process group
	away   []int    // strays noted when the stop began; release ends them
	noted  bool     // away has been noted
	stdin  *os.File // write end of the command's stdin (see spawn); nil for a build
}

// pid is the tree's id as the log shows it: its process group.
func (p *procSys) pid() int { return p.pgid }

// signal sends sig to the whole process group. Where no subreaper adopts
// orphans, the first signal notes the tree's strays (children that left
// the group) while their parents still say whose they are; release ends
// them.
func (p *procSys) signal(sig syscall.Signal) error {
	if !p.noted {
		p.away, p.noted = strays(p.guard.Process.Pid, p.pgid), true
	}
	return syscall.Kill(-p.pgid, sig)
}

// alive reports whether any process of the group is alive.
func (p *procSys) alive() bool { return groupAlive(p.pgid) }

// gone reports, with one system call, that no process of the group is
// left, not even a zombie.
func (p *procSys) gone() bool { return syscall.Kill(-p.pgid, 0) == syscall.ESRCH }

// release ends the strays signal noted, closes the guard's parent pipe
// (the guard then ends whatever is left) and waits up to d for the guard
// to exit, then kills it.
func (p *procSys) release(d time.Duration) error {
	for _, k := range p.away {
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
	p.parent.Close()
	if p.stdin != nil {
		p.stdin.Close()
	}
	done := make(chan error, 1)
	go func() { done <- p.guard.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil // the guard's status is not the app's
		}
		return err
	case <-time.After(d):
		_ = syscall.Kill(-p.guard.Process.Pid, syscall.SIGKILL)
		return <-done
	}
}

// spawn starts the shell command through the guard, which puts it in a
// process group of its own and ends that group if devserver dies. Its
// output goes to the supervisor's writers and to out. With stdin, its
// standard input is a pipe devserver never writes and closes once the tree
// is ended (or devserver dies): tools that end when their stdin closes
// (tailwindcss --watch, esbuild --watch) keep running until then; a build
// gets none, so a prompt ends it rather than hangs. spawn returns once the
// guard has reported the group.
func (s *Supervisor) spawn(command string, env []string, out *tail, stdin bool) (*process, error) {
	// The guard is devserver's own binary (or a test binary that runs
	// GuardMain for GuardCommand, as main does).
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find devserver's own binary to run the guard: %w", err)
	}
	pp, err := newGuardPipes(stdin)
	if err != nil {
		return nil, err
	}
	p := &process{procSys: procSys{parent: pp.parentW, stdin: pp.stdinW}, output: out, exited: make(chan struct{})}
	g := exec.Command(self, GuardCommand, s.opts.StopTimeout.String(), signals.Name(s.opts.StopSignal), "--", "/bin/sh", "-c", command)
	g.Dir, g.Env = s.opts.Dir, env
	g.Stdout, g.Stderr = io.MultiWriter(s.opts.Stdout, out), io.MultiWriter(s.opts.Stderr, out)
	g.ExtraFiles = []*os.File{pp.parentR, pp.reportW}
	g.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Grandchildren may hold the output pipes after the guard exits.
	g.WaitDelay = time.Second
	if pp.stdinR != nil {
		g.Stdin = pp.stdinR
	}
	err = g.Start()
	pp.closeChildEnds()
	if err != nil {
		pp.closeOurEnds()
		return nil, fmt.Errorf("start guard: %w", err)
	}
	p.guard = g
	pgid := make(chan int, 1)
	go p.readReport(pp.reportR, pgid) // ends when the guard exits
	select {
	case p.pgid = <-pgid:
	case <-p.exited:
		_ = p.release(s.opts.StopTimeout + 5*time.Second)
		return nil, fmt.Errorf("could not run %q: %s", command, strings.TrimSpace(p.output.String()))
	}
	return p, nil
}

// guardPipes are the guard's pipes: fd 3 (parent: closing our end stops
// the tree), fd 4 (report: what the guard says of the app) and, for a run
// command, its stdin.
type guardPipes struct {
	parentR, parentW, reportR, reportW, stdinR, stdinW *os.File
}

func newGuardPipes(stdin bool) (*guardPipes, error) {
	var pp guardPipes
	var err error
	if pp.parentR, pp.parentW, err = os.Pipe(); err != nil {
		return nil, err
	}
	if pp.reportR, pp.reportW, err = os.Pipe(); err != nil {
		pp.closeAll()
		return nil, err
	}
	if stdin {
		if pp.stdinR, pp.stdinW, err = os.Pipe(); err != nil {
			pp.closeAll()
			return nil, err
		}
	}
	return &pp, nil
}

// closeChildEnds closes the ends the guard has inherited once it started.
func (pp *guardPipes) closeChildEnds() { closeFiles(pp.parentR, pp.reportW, pp.stdinR) }

// closeOurEnds closes devserver's ends, when the guard did not start.
func (pp *guardPipes) closeOurEnds() { closeFiles(pp.parentW, pp.reportR, pp.stdinW) }

func (pp *guardPipes) closeAll() { pp.closeChildEnds(); pp.closeOurEnds() }

func closeFiles(fs ...*os.File) {
	for _, f := range fs {
		if f != nil {
			f.Close()
		}
	}
}

// readReport reads what the guard says of the app, until the guard exits
// (then p.exited closes): its group id, sent on pgid; its exit code; or
// why it could not start. It closes r.
func (p *process) readReport(r io.ReadCloser, pgid chan<- int) {
	defer r.Close()
	defer close(p.exited)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		word, rest, _ := strings.Cut(sc.Text(), " ")
		switch word {
		case "pgid":
			n, _ := strconv.Atoi(rest)
			pgid <- n
		case "exit":
			n, _ := strconv.Atoi(rest)
			p.setCode(n)
			return
		case "error":
			fmt.Fprintln(p.output, rest)
		}
	}
}

// otherPorts lists the ports the app's process group listens on that are
// not port: an app that ignores $PORT. None where the system does not say
// (no /proc).
func (p *process) otherPorts(port int) []int {
	ports := procstat.ListeningPorts()
	if len(ports) == 0 {
		return nil
	}
	var out []int
	for _, proc := range procstat.All() {
		if proc.PGRP != p.pgid {
			continue
		}
		for _, n := range procstat.PortsOf(proc.PID, ports) {
			if n == port {
				return nil // it listens where it should, perhaps not yet on every address
			}
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out
}

// heldByOther names the process listening on port when it is not the app
// or one of its descendants (a stray process, or an earlier app's escaped
// child, took the port between devserver choosing it and the app binding
// it); "" when it is the app's, or when the system does not say. It runs on
// every start, so it asks the app's own processes first (a few fd
// directories) and scans the whole machine only for a stranger.
func (p *process) heldByOther(port string) string {
	n, _ := strconv.Atoi(port)
	socks := procstat.ListeningSockets(n)
	if len(socks) == 0 || socks.HeldBy(p.pgid) {
		return "" // the group leader: sh -c's command, or the app itself
	}
	for _, proc := range procstat.All() {
		if proc.PGRP == p.pgid && socks.HeldBy(proc.PID) {
			return ""
		}
	}
	holder, name, ok := socks.Holder()
	if !ok || procstat.Descends(holder.PID, p.pgid, p.guard.Process.Pid) {
		return ""
	}
	return fmt.Sprintf("port %d, given to the app in $PORT, is held by pid %d (%s), not by the app", n, holder.PID, name)
}
