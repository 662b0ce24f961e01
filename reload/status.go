package reload

import (
	"net"
	"strconv"
	"time"
)

// The states a unit is in, as Status says them.
const (
	StateBuilding = "building" // its build runs (an older instance may serve meanwhile)
	StateStarting = "starting" // started, or waiting for the units it starts after; not ready yet
	StateReady    = "ready"
	StateFailed   = "failed"
	StateStopped  = "stopped"
)

// Status is what a unit is doing, for `devserver status` and `wait`.
type Status struct {
	State    string    // one of the State constants
	PID      int       // the running instance's, or 0
	Port     int       // the running instance's $PORT, or 0
	Since    time.Time // when it entered State
	Restarts int       // instances started after the first
	Failure  *Failure  // why, with StateFailed
	// Busy says that a restart asked for is not over yet: the unit is
	// building, starting, or about to. A unit that is not busy has settled.
	Busy bool
}

// progress counts restarts asked for and taken up, so that a waiter can
// tell a unit that has settled from one about to restart: the app may
// still serve while a restart's build runs, and a restart asked for has a
// moment before anything of it shows.
type progress struct {
	asked   int  // Restart calls
	taken   int  // asked, when the restart channel was last read
	cycling bool // a build-and-start is under way
	starts  int  // instances started
	since   time.Time
	pid     int
}

// Status is the unit's state now. It may be called from any goroutine.
func (s *Supervisor) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Since: s.prog.since, Restarts: max(s.prog.starts-1, 0), Failure: s.st.failure,
		Busy: s.prog.cycling || s.prog.asked > s.prog.taken || s.st.phase == phaseStarting}
	switch s.st.phase {
	case phaseReady:
		st.State, st.PID = StateReady, s.prog.pid
		if _, p, err := net.SplitHostPort(s.st.addr); err == nil {
			st.Port, _ = strconv.Atoi(p)
		}
	case phaseFailed:
		st.State = StateFailed
	case phaseStopped:
		st.State, st.Busy = StateStopped, false
	default:
		st.State = StateStarting
	}
	for _, w := range s.builds { // a window without an end is the build that runs
		if !w.start.IsZero() && w.end.IsZero() {
			st.State, st.Since = StateBuilding, w.start
		}
	}
	return st
}

// took notes that a restart request was read off the restart channel:
// every request so far is taken up, by a cycle to come if cycle is set.
func (s *Supervisor) took(cycle bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prog.taken = s.prog.asked
	s.prog.cycling = s.prog.cycling || cycle
}

// cycling notes that a build-and-start begins (true) or is over.
func (s *Supervisor) cycling(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prog.cycling = on
}

// started notes an instance started, with its pid.
func (s *Supervisor) started(pid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prog.starts++
	s.prog.pid = pid
}
