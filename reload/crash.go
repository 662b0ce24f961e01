package reload

import (
	"context"
	"fmt"
	"time"
)

// The restart policies of Options.Restart.
const (
	RestartChange    = "change"     // a crash waits for the next change (the default)
	RestartNever     = "never"      // as change here; the session restarts it for no change
	RestartOnFailure = "on-failure" // a crash with a non-zero exit restarts after a backoff
	RestartAlways    = "always"     // any exit restarts after a backoff
)

// Backoff bounds: the first wait after a crash, the longest, and how long
// a unit must stay up for the next crash to start from the first again.
const (
	firstBackoff = 500 * time.Millisecond
	maxBackoff   = 30 * time.Second
	stableAfter  = 30 * time.Second
)

// exit is how a process ended by itself: its exit code (known false when
// it was killed by a signal, or the OS said nothing) and how long it had
// been ready (0 when it never was).
type exit struct {
	code  int
	known bool
	up    time.Duration
}

// exitOf reads how p ended, ready for up.
func exitOf(p *process, up time.Duration) *exit {
	code, known := p.exitCode()
	return &exit{code: code, known: known, up: up}
}

// crashes is the backoff of crash restarts; only Run's goroutine touches it.
type crashes struct {
	next    time.Duration // the wait before the next crash restart
	readyAt time.Time     // when the running app became ready
}

// delay is the wait before restarting after e under policy, and whether
// the policy restarts at all: on-failure after a non-zero exit or a
// signal, always after any exit. Each restart doubles the next wait up to
// maxBackoff; a unit that stayed up stableAfter starts from firstBackoff.
func (c *crashes) delay(policy string, e *exit) (time.Duration, bool) {
	if e == nil || !(policy == RestartAlways || policy == RestartOnFailure && (!e.known || e.code != 0)) {
		return 0, false
	}
	if e.up >= stableAfter || c.next == 0 {
		c.next = firstBackoff
	}
	d := c.next
	c.next = min(2*c.next, maxBackoff)
	return d, true
}

// wait waits for a restart by request (a change, rs, a button). After e, a
// crash, under restart on-failure or always it restarts by itself once the
// backoff has passed, and says so. It reports false when ctx ended.
func (s *Supervisor) wait(ctx context.Context, e *exit) bool {
	var after <-chan time.Time
	if d, ok := s.crash.delay(s.opts.Restart, e); ok {
		s.log.Warn(fmt.Sprintf("%s restarts in %s (restart: %s)", s.opts.Name, d, s.opts.Restart))
		t := time.NewTimer(d)
		defer t.Stop()
		after = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-s.restart:
		s.took(true)
	case <-after:
	}
	return true
}
