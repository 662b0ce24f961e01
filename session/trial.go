package session

import (
	"context"
	"errors"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/reload"
)

// A config's new settings for units that run are on trial until each of
// those units is ready with them. If one fails, the previous config is put
// back whole: the failed unit's supervisor goes back to its last good
// settings itself, the other units are given theirs again, and the log
// says which unit failed and why.

// unitResult is how a unit fared with the settings of apply number trial.
type unitResult struct {
	unit  string
	trial int
	err   error
}

// reconfigure restarts u with opts. With a trial number they are on trial
// (pending); with 0 they are not (putting the good config back): there is
// nothing further back to go to.
func (s *session) reconfigure(ctx context.Context, u *unit, opts reload.Options, trial int) bool {
	var done func(error)
	if trial != 0 {
		done = func(err error) { s.report(ctx, unitResult{u.name, trial, err}) }
	}
	if err := u.sup.Reconfigure(opts, done); err != nil {
		s.log.Error(u.name+" not restarted", "err", err)
		return false
	}
	u.started = opts
	if trial != 0 {
		s.pending[u.name] = trial
	} else {
		delete(s.pending, u.name)
	}
	return true
}

// report hands the loop a trial's result without blocking the supervisor,
// which the loop may be stopping: the result waits in a goroutine of its
// own until the loop takes it or the session ends.
func (s *session) report(ctx context.Context, r unitResult) {
	go func() {
		select {
		case s.results <- r:
		case <-ctx.Done():
		}
	}()
}

// settled takes a unit's result. Once every unit on trial is ready, the
// config in force is the good one; the first that fails puts the good
// config back. A result of settings a newer apply replaced is dropped.
func (s *session) settled(ctx context.Context, r unitResult) {
	if t, ok := s.pending[r.unit]; !ok || t != r.trial {
		return
	}
	delete(s.pending, r.unit)
	if r.err == nil {
		if len(s.pending) == 0 {
			s.good, s.goodEnv = s.loaded, s.env
		}
		return
	}
	clear(s.pending)
	what := r.err.Error()
	var f *reload.Failure
	if errors.As(r.err, &f) {
		what = f.Title()
	}
	who := "process " + r.unit
	if r.unit == config.RouteApp {
		who = "the app"
	}
	s.log.Error("config not applied: "+who+" failed with it; back to the last good config (save the file again to retry)",
		"unit", r.unit, "failure", what, "file", s.loaded.Name(s.loaded.File))
	good := s.good
	if u := s.units[r.unit]; u != nil {
		u.started = s.unitOptions(good.Config, r.unit, s.goodEnv[r.unit]) // its supervisor went back itself
	}
	n := &next{loaded: good, changes: config.Diff(s.loaded.Config, good.Config), env: s.goodEnv}
	n.effects = config.Effects(n.changes)
	if err := s.prepare(ctx, n); err != nil {
		n.discard()
		s.log.Error("the last good config could not be put back whole", "err", err)
		return
	}
	s.switchTo(ctx, n, false)
}
