package reload

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Readiness says when a started unit is ready beyond its port accepting
// connections (or, without HTTP, beyond being started): requests are
// released, and units that depend on it start, only then. Each check is
// bounded by ReadyTimeout; the zero value checks nothing more.
type Readiness struct {
	// Path, if set, is GET on the unit's port until it answers with a
	// status below 500 (a health endpoint, a page that needs a database).
	Path string
	// Log, if set, must match a line of the unit's output (colours left
	// out): "compiled successfully", "Listening on".
	Log *regexp.Regexp
	// Command, if set, is a shell command run until it exits 0, with the
	// unit's environment and PORT.
	Command string
}

func (r Readiness) any() bool { return r.Path != "" || r.Log != nil || r.Command != "" }

// waitReadiness waits until p passes its Readiness checks, it exits,
// ReadyTimeout passes or ctx ends.
func (s *Supervisor) waitReadiness(ctx context.Context, p *process, port int) *Failure {
	r := s.opts.Ready
	if !r.any() {
		return nil
	}
	deadline := time.NewTimer(s.opts.ReadyTimeout)
	defer deadline.Stop()
	wait := 25 * time.Millisecond
	var lastTry time.Time
	why := ""
	for {
		switch {
		case r.Log != nil && !p.logged():
			why = fmt.Sprintf("no line of its output matched ready_log %q", r.Log)
		case r.Path != "" && !s.pathAnswers(ctx, p, &why):
		case r.Command != "" && time.Since(lastTry) < 250*time.Millisecond:
		case r.Command != "" && !s.commandSucceeds(ctx, port, &why, &lastTry):
		default:
			return nil
		}
		select {
		case <-ctx.Done():
			return &Failure{What: s.opts.Name + " did not start", Command: s.opts.Run, Status: "devserver stopped"}
		case <-p.exited:
			return &Failure{What: s.opts.Name + " exited before it was ready", Command: s.opts.Run, Status: p.status(),
				Output: p.output.String(), exit: exitOf(p, 0)}
		case <-deadline.C:
			return &Failure{What: s.opts.Name + " did not become ready", Command: s.opts.Run, Output: p.output.String(),
				Status: fmt.Sprintf("%s within ready_timeout (%s)", why, s.opts.ReadyTimeout)}
		case <-time.After(wait):
			wait = min(2*wait, 200*time.Millisecond)
		}
	}
}

// pathAnswers reports whether GET Ready.Path on p answers below 500.
func (s *Supervisor) pathAnswers(ctx context.Context, p *process, why *string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr+s.opts.Ready.Path, nil)
	if err != nil {
		*why = err.Error()
		return false
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		*why = fmt.Sprintf("GET %s did not answer (%v)", s.opts.Ready.Path, err)
		return false
	}
	res.Body.Close()
	if res.StatusCode >= 500 {
		*why = fmt.Sprintf("GET %s answered %s", s.opts.Ready.Path, res.Status)
		return false
	}
	return true
}

// commandSucceeds runs Ready.Command once and reports whether it exited 0.
func (s *Supervisor) commandSucceeds(ctx context.Context, port int, why *string, tried *time.Time) bool {
	*tried = time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.opts.ReadyTimeout)
	defer cancel()
	shell, flag := "/bin/sh", "-c"
	if runtime.GOOS == "windows" {
		shell, flag = "cmd.exe", "/C"
	}
	c := exec.CommandContext(ctx, shell, flag, s.opts.Ready.Command)
	c.Dir, c.Env = s.opts.Dir, append(append([]string(nil), s.opts.Env...), "PORT="+strconv.Itoa(port))
	out, err := c.CombinedOutput()
	if err != nil {
		*why = fmt.Sprintf("ready_command %q did not succeed (%v: %s)", s.opts.Ready.Command, err, clip(out))
		return false
	}
	return true
}

// maxPortTries bounds the starts on a fresh port when another process took
// the port devserver chose before the app could bind it.
const maxPortTries = 3

// startReady starts the app and waits until it is ready (at once for one
// with no HTTP and no readiness). When devserver chose the port and
// another process took it before the app bound it, a race that no choice
// of a free port rules out, it starts the app again on another port, up
// to maxPortTries times.
func (s *Supervisor) startReady(ctx context.Context) (*process, *Failure) {
	for try := 1; ; try++ {
		app, err := s.start()
		if err != nil {
			return nil, &Failure{What: s.opts.Name + " did not start", Command: s.opts.Run, Status: err.Error()}
		}
		s.started(app.pid())
		if s.opts.NoHTTP && !s.opts.Ready.any() {
			return app, nil
		}
		f := s.waitReady(ctx, app)
		if f == nil {
			return app, nil
		}
		s.stop(app)
		if f.Output != "" || f.exitIfAny() != nil {
			f.Output = app.output.String() // whole once the tree is released
		}
		portTaken(app, f)
		if f.stolen && s.opts.Port == 0 && try < maxPortTries && ctx.Err() == nil {
			s.log.Warn(f.Status + "; starting " + s.opts.Name + " again on another port")
			continue
		}
		if ctx.Err() == nil {
			s.log.Error(f.What, failureAttrs(f.Status, f.Output)...)
		}
		return nil, f
	}
}

// waitReady waits until the app is ready: its port accepts connections
// (unless NoHTTP), then its Readiness checks pass.
func (s *Supervisor) waitReady(ctx context.Context, p *process) *Failure {
	if !s.opts.NoHTTP {
		if f := s.waitPort(ctx, p); f != nil {
			return f
		}
	}
	_, port, _ := net.SplitHostPort(p.addr)
	n, _ := strconv.Atoi(port)
	return s.waitReadiness(ctx, p, n)
}

// waitPort polls the app's port until it accepts a connection, the app
// exits, ReadyTimeout passes or ctx ends.
func (s *Supervisor) waitPort(ctx context.Context, p *process) *Failure {
	deadline := time.NewTimer(s.opts.ReadyTimeout)
	defer deadline.Stop()
	// The port is tried at once, then after pauses that grow from 1 ms to
	// 25 ms: most apps listen within milliseconds of their start, and a
	// request held for the restart goes the moment they do.
	step := time.Millisecond
	tick := time.NewTimer(step)
	defer tick.Stop()
	wrong := time.NewTicker(time.Second) // a look for an app that ignores $PORT
	defer wrong.Stop()
	_, port, _ := net.SplitHostPort(p.addr)
	for {
		for _, host := range []string{"127.0.0.1", "::1"} {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 100*time.Millisecond)
			if err == nil {
				c.Close()
				if held := p.heldByOther(port); held != "" {
					// Requests must not go to a stranger: say who it is.
					return &Failure{What: s.opts.Name + " did not start", Command: s.opts.Run, Status: held, Output: p.output.String(), stolen: true}
				}
				p.addr = net.JoinHostPort(host, port)
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return &Failure{What: s.opts.Name + " did not start", Command: s.opts.Run, Status: "devserver stopped"}
		case <-p.exited:
			status := p.status()
			held := p.heldByOther(port)
			if held != "" {
				status += "; " + held
			}
			return &Failure{What: s.opts.Name + " exited before it was ready", Command: s.opts.Run, Status: status, Output: p.output.String(),
				exit: exitOf(p, 0), stolen: held != ""}
		case <-deadline.C:
			return &Failure{What: s.opts.Name + " did not start", Command: s.opts.Run, Output: p.output.String(),
				Status: fmt.Sprintf("nothing listened on $PORT (%s) within app.ready_timeout (%s); the app must listen on the port in $PORT", port, s.opts.ReadyTimeout)}
		case <-wrong.C:
			if f := s.wrongPort(p, port); f != nil {
				return f
			}
		case <-tick.C:
			step = min(2*step, 25*time.Millisecond)
			tick.Reset(step)
		}
	}
}

// portTaken marks the failure of an app that exited saying its port was in
// use as a stolen port, though no holder could be named: another program's
// own pick of a free port holds it for an instant.
func portTaken(app *process, f *Failure) {
	_, port, _ := net.SplitHostPort(app.addr)
	if f.stolen || f.exitIfAny() == nil || !saysPortInUse(f.Output, port) {
		return
	}
	f.stolen = true
	f.Status += "; port " + port + ", given to the app in $PORT, was taken by another process first"
}

// saysPortInUse reports whether an app's last output says that port was in
// use: the words of Linux, macOS and the BSDs ("bind: address already in
// use"), Node's EADDRINUSE and Windows' WSAEADDRINUSE ("Only one usage of
// each socket address"), with the port's number (Go, Node, uvicorn and
// werkzeug name it), so that another port of the app's own (a debugger's)
// in use is not taken for $PORT's.
func saysPortInUse(out, port string) bool {
	out = strings.ToLower(out)
	inUse := strings.Contains(out, "address already in use") || strings.Contains(out, "eaddrinuse") ||
		strings.Contains(out, "only one usage of each socket address")
	return inUse && regexp.MustCompile(`(^|\D)`+regexp.QuoteMeta(port)+`(\D|$)`).MatchString(out)
}

// wrongPort is the failure of an app that listens, but not on $PORT: it is
// said at once rather than after app.ready_timeout.
func (s *Supervisor) wrongPort(p *process, port string) *Failure {
	n, _ := strconv.Atoi(port)
	other := p.otherPorts(n)
	if len(other) == 0 {
		return nil
	}
	shown := make([]string, len(other))
	for i, o := range other {
		shown[i] = ":" + strconv.Itoa(o)
	}
	return &Failure{What: s.opts.Name + " did not start", Command: s.opts.Run, Output: p.output.String(),
		Status: fmt.Sprintf("the app listens on %s, not on $PORT (%s): make it listen on the port in $PORT", strings.Join(shown, ", "), port)}
}
