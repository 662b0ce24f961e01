package reload

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/devserver/devserver/internal/signals"
)

// start launches the app as a process tree of its own with a fresh PORT.
func (s *Supervisor) start() (*process, error) {
	port := s.opts.Port
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return nil, fmt.Errorf("find a free port for the app: %w", err)
		}
	}
	env := append(append([]string(nil), s.opts.Env...), "PORT="+strconv.Itoa(port))
	out := newTail(tailLines)
	logReady := out.awaitLine(s.opts.Ready.Log) // before the first line
	p, err := s.spawn(s.opts.Run, env, out, true)
	if err != nil {
		return nil, err
	}
	p.logReady = logReady
	p.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p.stopping = make(chan struct{})
	s.log.Info(s.opts.Name+" started", "pid", p.pid(), "port", port)
	return p, nil
}

// stop ends the app: the stop signal to its whole tree, a kill after
// StopTimeout, and it returns once nothing of the tree is alive. The log
// says which it took, and how many streams through devserver it ended.
func (s *Supervisor) stop(p *process) {
	start := time.Now()
	_ = p.signal(s.opts.StopSignal)
	// Streams and upgrades still open to it end now: an app that waits for
	// its connections before it exits would wait for these for ever.
	s.mu.Lock()
	if s.serving[p.addr] == p {
		delete(s.serving, p.addr)
	}
	s.mu.Unlock()
	streams := p.streams.Load()
	if p.stopping != nil {
		select {
		case <-p.stopping:
		default:
			close(p.stopping)
		}
	}
	attrs := []any{"pid", p.pid(), "signal", signals.Name(s.opts.StopSignal)}
	if streams > 0 {
		attrs = append(attrs, "streams_ended", streams)
	}
	if !p.waitGone(s.opts.StopTimeout) {
		s.log.Warn(fmt.Sprintf("%s did not exit within %s of its stop signal; killing its process tree", s.opts.Name, s.opts.StopTimeout), attrs...)
		_ = p.signal(syscall.SIGKILL)
		p.waitGone(5 * time.Second)
		attrs[3] = "SIGKILL"
	}
	if err := p.release(s.opts.StopTimeout + 5*time.Second); err != nil {
		s.log.Warn("process tree", "err", err)
	}
	s.endLines()
	s.log.Info(s.opts.Name+" stopped", append(attrs, "after", time.Since(start).Round(time.Millisecond))...)
}

// kill ends p's whole tree at once and releases it.
func (s *Supervisor) kill(p *process) {
	_ = p.signal(syscall.SIGKILL)
	if err := p.release(s.opts.StopTimeout + 5*time.Second); err != nil {
		s.log.Warn("process tree", "err", err)
	}
	s.endLines()
}

// endLines ends a line the output writers were left inside of, where they
// can (EndLine): all a released tree printed has been written, and the
// next process's output starts on a line of its own.
func (s *Supervisor) endLines() {
	for _, w := range []io.Writer{s.opts.Stdout, s.opts.Stderr} {
		if e, ok := w.(interface{ EndLine() }); ok {
			e.EndLine()
		}
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
