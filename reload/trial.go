package reload

import (
	"errors"
	"syscall"
)

// New settings (Reconfigure) are on trial until the app is ready with
// them: a failure puts the good ones back (reject), readiness makes them
// the good ones (accept). Run's goroutine takes them up at the start of a
// cycle (takeNext).

// Reconfigure replaces the options (the app's commands, environment,
// timeouts) and restarts the app with them, holding requests meanwhile. The
// new options are on trial: if the app fails with them (its build fails, or
// it exits or never listens before it is ready), the supervisor goes back to
// the options the app was last ready with — an old app whose replacement
// failed to build keeps serving; one already stopped is built and started
// again — and calls done with the *Failure. Once the app is ready with them
// it calls done(nil). done is called at most once, from Run's goroutine, and
// not at all if a newer Reconfigure comes first or Run ends; it must not
// block. It may be nil.
func (s *Supervisor) Reconfigure(opts Options, done func(error)) error {
	if opts.Run == "" || opts.ReadyTimeout <= 0 || opts.StopTimeout <= 0 {
		return errors.New("reconfigure: incomplete options")
	}
	s.mu.Lock()
	opts.Name, opts.Stdout, opts.Stderr, opts.Logger = s.opts.Name, s.opts.Stdout, s.opts.Stderr, s.opts.Logger
	if opts.StopSignal == 0 {
		opts.StopSignal = syscall.SIGTERM
	}
	s.next, s.nextDone = &opts, done
	s.mu.Unlock()
	s.Restart()
	return nil
}

// takeNext makes the options of the latest Reconfigure current, on trial.
func (s *Supervisor) takeNext() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next != nil {
		s.opts, s.pending = *s.next, s.nextDone
		s.next, s.nextDone = nil, nil
		if s.pending == nil {
			s.pending = func(error) {}
		}
	}
}

// accept ends a trial: the app is ready with the current options.
func (s *Supervisor) accept() {
	s.good = s.opts
	if done := s.pending; done != nil {
		s.pending = nil
		done(nil)
	}
}

// reject ends a trial with failure f: the good options come back. It
// reports whether there was a trial.
func (s *Supervisor) reject(f *Failure) bool {
	done := s.pending
	if done == nil {
		return false
	}
	s.pending = nil
	s.opts = s.good
	s.log.Warn(s.opts.Name+" failed with its new settings; back to the previous ones", "failure", f.Title())
	done(f)
	return true
}
