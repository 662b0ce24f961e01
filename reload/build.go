package reload

import (
	"context"
	"errors"
	"time"
)

// window is when one build ran; end is zero while it runs.
type window struct{ start, end time.Time }

// buildMargin widens a build's window on both sides: file times come from
// a clock a few milliseconds coarser than time.Now.
const buildMargin = 10 * time.Millisecond

// WrittenByBuild reports whether a file last written at t was written
// while one of the app's latest builds ran: one that has ended (ended), so
// the file is that build's output (`go build -o myapp .`), or the one
// running now (running), which may as well be a person's save that is to
// start the build over.
func (s *Supervisor) WrittenByBuild(t time.Time) (ended, running bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.builds {
		if w.start.IsZero() {
			continue // none, or a cancelled one
		}
		end := w.end
		if end.IsZero() {
			end = time.Now()
		}
		if t.Before(w.start.Add(-buildMargin)) || t.After(end.Add(buildMargin)) {
			continue
		}
		if w.end.IsZero() {
			running = true
		} else {
			ended = true
		}
	}
	return ended, running
}

// buildRuns notes a build's start, and returns the function that notes
// its end: a build that was cancelled is forgotten, as it made no output
// that counts (the next build writes it again) and its window would hide
// the save that cancelled it.
func (s *Supervisor) buildRuns() func(cancelled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := &s.builds[s.nbuilds%len(s.builds)]
	s.nbuilds++
	*w = window{start: time.Now()}
	return func(cancelled bool) {
		s.mu.Lock()
		if w.end = time.Now(); cancelled {
			*w = window{}
		}
		s.mu.Unlock()
	}
}

// buildCurrent runs the build, again each time a newer change supersedes
// it. It returns the failure of a build that failed, or nil.
func (s *Supervisor) buildCurrent(ctx context.Context, old *process) *Failure {
	for {
		s.takeNext()
		if s.opts.Build == "" {
			return nil
		}
		if old == nil {
			s.set(state{phase: phaseStarting})
		}
		start := time.Now()
		out, status, err := s.build(ctx)
		took := time.Since(start).Round(time.Millisecond)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, errSuperseded):
			// A newer change (or config) came while the build ran: its
			// whole tree is gone; build again with what is current now.
			s.log.Info("build cancelled for a newer change", "took", took)
			continue
		case err != nil:
			s.log.Error("build failed", failureAttrs(status, out, "took", took)...)
			return &Failure{What: "build failed", Command: s.opts.Build, Status: status, Output: out}
		}
		s.log.Info("build ok", "took", took)
		return nil
	}
}

// errSuperseded is build's answer when a restart was asked for while it ran.
var errSuperseded = errors.New("superseded by a newer change")

// build runs the build command as a process tree of its own (behind the
// guard on Unix, in a Job Object on Windows), so that nothing of it
// outlives devserver. It returns the build's last
// output lines and status. A restart asked for meanwhile ends the build's
// whole tree at once and returns errSuperseded: a hung build never holds up
// the change that fixes it.
func (s *Supervisor) build(ctx context.Context) (string, string, error) {
	out := newTail(tailLines)
	ended := s.buildRuns()
	p, err := s.spawn(s.opts.Build, s.opts.Env, out, false)
	if err != nil {
		ended(true)
		return out.String(), err.Error(), err
	}
	select {
	case <-p.exited:
	case <-ctx.Done():
		s.kill(p)
		ended(true)
		return out.String(), "devserver stopped", ctx.Err()
	case <-s.restart:
		s.took(true)
		s.kill(p)
		ended(true)
		return out.String(), "superseded", errSuperseded
	}
	defer ended(false)
	// Stragglers the build left behind go; once its tree is released, all
	// it printed has been read.
	s.kill(p)
	if code, ok := p.exitCode(); ok && code == 0 {
		return out.String(), "ok", nil
	}
	status := p.status()
	return out.String(), status, errors.New(status)
}
