package reload

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/devserver/devserver/internal/signals"
)

// GuardCommand is the first argument that runs the guard (guard.go), the
// process between devserver and a command's tree on Unix.
const GuardCommand = "__guard"

// process is one command's whole process tree, the app's or a build's:
// started as a tree of its own, stopped as a whole, and never outliving
// devserver, however devserver ends. What each OS does for it is in
// tree_unix.go (a process group behind the guard process) and
// tree_windows.go (a Job Object); both give spawn, pid, signal, alive,
// release and heldByOther.
type process struct {
	procSys
	addr     string // the app's address; "" for a build
	output   *tail
	exited   chan struct{}   // closed when the command itself has ended
	stopping chan struct{}   // closed once it is being stopped (apps only)
	streams  atomic.Int64    // streams and upgraded connections open to it through the proxy
	logReady <-chan struct{} // closed once a line of its output matched Readiness.Log; nil without

	mu   sync.Mutex
	code *int // exit code, or -signal
}

// logged reports whether a line of p's output matched Readiness.Log.
func (p *process) logged() bool {
	select {
	case <-p.logReady:
		return true
	default:
		return false
	}
}

// setCode records how the command ended.
func (p *process) setCode(n int) {
	p.mu.Lock()
	p.code = &n
	p.mu.Unlock()
}

// exitCode returns the command's exit code (or -signal), once it is known.
func (p *process) exitCode() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.code == nil {
		return 0, false
	}
	return *p.code, true
}

func (p *process) status() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.code == nil:
		select {
		case <-p.exited:
			return "ended without a word from its process layer"
		default:
			return "running"
		}
	case *p.code < 0:
		return "killed by " + signals.Name(syscall.Signal(-*p.code))
	}
	return "exit status " + strconv.Itoa(*p.code)
}

// waitGone polls until nothing of the tree is alive, up to d: at once,
// then after pauses growing from 1 ms to 10 ms, as most apps exit within
// milliseconds of their stop signal and the next start waits for this.
// The cheap look (no process left at all) comes first; the full one, which
// also takes a tree of zombies for gone but reads every process (`ps` on
// macOS), only after zombieGrace: the guard reaps them at once.
func (p *process) waitGone(d time.Duration) bool {
	start := time.Now()
	deadline := start.Add(d)
	pause := time.Millisecond
	for !p.gone() && (time.Since(start) < zombieGrace || p.alive()) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
		pause = min(2*pause, 10*time.Millisecond)
	}
	return true
}

// zombieGrace is how long waitGone trusts the cheap look alone.
const zombieGrace = 50 * time.Millisecond

// portVar is $PORT or ${PORT} in a command, not $PORTS or $PORT_X.
var portVar = regexp.MustCompile(`\$(PORT\b|\{PORT\})`)

// expandPort puts the PORT of env in for $PORT and ${PORT} in command,
// for a shell that does not expand them (cmd.exe), so that one config runs
// on every OS. A command without PORT in its environment (a build) is
// left as it is.
func expandPort(command string, env []string) string {
	port := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PORT="); ok {
			port = v
		}
	}
	if port == "" {
		return command
	}
	return portVar.ReplaceAllLiteralString(command, port)
}
