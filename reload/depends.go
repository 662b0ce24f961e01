package reload

import (
	"context"
	"time"
)

// waitAfter waits, before the first start, until every unit of
// Options.After is ready. Meanwhile requests wait as for a start; while one
// of them has failed, they get a failure naming it and why. It reports
// false when ctx ended.
func (s *Supervisor) waitAfter(ctx context.Context) bool {
	said := ""
	for {
		unit, failed := s.blocking()
		if unit == "" {
			return true
		}
		if unit != said {
			s.log.Info(s.opts.Name + " waits for " + unit + " to be ready")
			said = unit
		}
		switch st := s.current(); {
		case failed != nil && st.failure == nil || failed != nil && st.failure.Status != unit+": "+failed.Title():
			s.set(state{phase: phaseFailed, failure: &Failure{What: s.opts.Name + " waits for " + unit, Command: s.opts.Run,
				Status: unit + ": " + failed.Title(), Output: failed.Output}})
		case failed == nil && st.phase != phaseStarting:
			s.set(state{phase: phaseStarting})
		}
		select {
		case <-ctx.Done():
			return false
		case <-s.restart: // it starts once its units are ready anyway
			s.took(false)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// blocking is the first unit of Options.After that is not ready, and its
// failure if it failed; "" when all are ready.
func (s *Supervisor) blocking() (string, *Failure) {
	for _, unit := range s.opts.After {
		var sup *Supervisor
		if s.opts.Units != nil {
			sup = s.opts.Units(unit)
		}
		if sup == nil {
			return unit, nil
		}
		if st := sup.current(); st.phase != phaseReady {
			return unit, st.failure
		}
	}
	return "", nil
}
