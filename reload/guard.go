//go:build unix

package reload

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/devserver/devserver/internal/signals"
)

// The guard is a small process between devserver and the app. devserver
// starts it (as `devserver __guard STOP_TIMEOUT STOP_SIGNAL -- COMMAND...`) with two
// pipes: fd 3, whose write end only devserver holds, and fd 4, on which the
// guard reports. The guard
//
//   - starts COMMAND in a new process group and reports "pgid N";
//   - becomes a subreaper where the system has them (Linux; FreeBSD's
//     procctl), so that orphaned grandchildren are its children and get
//     reaped, even where PID 1 does not reap;
//   - reports "exit N" (or "exit -SIG" for a signal) when COMMAND ends;
//   - notices when devserver dies in any way, SIGKILL included, because fd 3
//     reads EOF (devserver also closes it after a stop), and then stops the
//     whole group: STOP_SIGNAL, and SIGKILL after STOP_TIMEOUT; then it
//     kills the descendants that left the group, which it adopted as
//     subreaper, or, without one, those the process list shows;
//   - exits once the pipe has closed, the tree has been ended and it has no
//     children left.
//
// Pdeathsig alone would not do: it reaches only the direct child, and only
// while the thread that forked it lives (golang/go#27505).

// GuardMain runs the guard with the arguments after GuardCommand and returns
// the process exit code. Only main calls it.
func GuardMain(args []string) int {
	if err := guard(args); err != nil {
		fmt.Fprintf(os.Stderr, "devserver guard: %v\n", err)
		return 1
	}
	return 0
}

func guard(args []string) error {
	if len(args) < 4 || args[2] != "--" {
		return errors.New("usage: __guard STOP_TIMEOUT STOP_SIGNAL -- COMMAND [ARG]")
	}
	stopTimeout, err := time.ParseDuration(args[0])
	if err != nil {
		return fmt.Errorf("stop timeout: %w", err)
	}
	stopSignal, ok := signals.ByName(args[1])
	if !ok {
		return fmt.Errorf("stop signal %q: not one of %s", args[1], strings.Join(signals.Names(), ", "))
	}
	parent := os.NewFile(3, "parent")
	report := os.NewFile(4, "report")
	if parent == nil || report == nil {
		return errors.New("started without its pipes")
	}
	// The pipes are the guard's alone: an app that inherited fd 4 could
	// write "exit 0" and make devserver believe it had ended.
	syscall.CloseOnExec(3)
	syscall.CloseOnExec(4)
	// Signals meant for the app reach it through its group; the guard must
	// not die of a Ctrl+C sent to devserver's group. Notify (unlike Ignore)
	// is not inherited by the app.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	if err := becomeSubreaper(); err != nil {
		return fmt.Errorf("become subreaper: %w", err)
	}
	cmd := exec.Command(args[3], args[4:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr // stdin: devserver's pipe, or none
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(report, "error %s\n", err)
		return nil
	}
	pgid := cmd.Process.Pid
	fmt.Fprintf(report, "pgid %d\n", pgid)
	ended := make(chan struct{}) // closed once the tree has been ended
	var reaped atomic.Bool       // reap found no child left
	go func() {
		defer close(ended)
		// EOF: devserver is gone, or has stopped the app and closed the
		// pipe to say that everything must go now.
		_, _ = io.Copy(io.Discard, parent)
		endTree(pgid, stopSignal, stopTimeout, subreaper && reaped.Load())
	}()
	reap(pgid, report)
	reaped.Store(true)
	// Without a subreaper, the app's orphans are init's, not ours: the
	// guard stays until devserver closes the pipe or dies, and ends
	// whatever of the group is left then.
	<-ended
	return nil
}

// endTree ends the group pgid (the stop signal, SIGKILL after stopTimeout)
// and every descendant that left it. All reaped says that, as a
// subreaper, the guard has no child left: every descendant has ended, so
// there are none to look for (a scan of every process).
func endTree(pgid int, stopSignal syscall.Signal, stopTimeout time.Duration, allReaped bool) {
	away := strays(os.Getpid(), pgid)
	_ = syscall.Kill(-pgid, stopSignal)
	deadline := time.Now().Add(stopTimeout)
	for groupAlive(pgid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	for _, k := range away {
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
	if allReaped {
		return
	}
	// Descendants that left the group (setsid, a daemon's double fork) are
	// this subreaper's children by now (or, without a subreaper, still the
	// app's): end them too.
	for range 50 {
		kids := children(os.Getpid(), pgid)
		if len(kids) == 0 {
			return
		}
		for _, k := range kids {
			_ = syscall.Kill(-k, syscall.SIGKILL) // its own group, if it leads one
			_ = syscall.Kill(k, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// reap waits for every child, the app (whose status goes to report) and
// adopted orphans alike, until none is left.
func reap(app int, report io.Writer) {
	w := bufio.NewWriter(report)
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil { // ECHILD: no child left
			return
		}
		if pid != app {
			continue
		}
		code := ws.ExitStatus()
		if ws.Signaled() {
			code = -int(ws.Signal())
		}
		fmt.Fprintf(w, "exit %s\n", strconv.Itoa(code))
		_ = w.Flush()
	}
}
