// Package reload runs the user's app and restarts it. It owns two file
// sets: the supervisor (supervisor.go, the phases, held requests and the
// run loop; build.go, builds and their windows; trial.go, new settings on
// trial; ready.go, readiness; lifecycle.go, start and stop; crash.go,
// depends.go, failure.go, status.go) and below it the process tree
// (tree*.go, guard.go, proc_*.go: one type per OS that starts a command as
// a group and ends all of it).
//
// It does not watch files (reload/watch does) and does not serve HTTP: the
// server package asks Supervisor.Ready for the app's address and holds
// requests while it waits.
package reload

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"syscall"
	"time"
)

// Options configure a Supervisor.
type Options struct {
	// Name is what the log calls the app: its source and the subject of
	// its lines ("worker started"). If empty, "app".
	Name string
	// Dir is where build and run execute: the project root.
	Dir string
	// Build and Run are shell commands; Run must listen on $PORT.
	Build, Run string
	// Env is the complete environment of build and run; PORT is added.
	Env []string
	// ReadyTimeout bounds the wait for the app's port to accept connections.
	ReadyTimeout time.Duration
	// NoHTTP says the app serves nothing (a worker, a CLI, a test runner):
	// it is up once started, and nothing waits for its port.
	NoHTTP bool
	// Port, if set, is the port the app gets in $PORT at every start (a
	// tool that must keep one); if zero, a fresh free port each start.
	Port int
	// Ready says when the app is ready beyond its port (or, with NoHTTP,
	// beyond its start).
	Ready Readiness
	// After are the units the app starts after, once each is ready (by
	// Units, which finds a unit's supervisor by name; nil while it has
	// none).
	After []string
	Units func(name string) *Supervisor
	// Restart is what an exit of the app by itself leads to: with
	// RestartOnFailure (a non-zero exit) or RestartAlways (any), a restart
	// after a backoff; otherwise (RestartChange, RestartNever, "") the
	// failure stands until a restart is asked for.
	Restart string
	// StopSignal goes to the app's process group first; SIGKILL follows
	// after StopTimeout.
	StopSignal  syscall.Signal
	StopTimeout time.Duration
	// Stdout and Stderr receive the output of build and app, untouched. If
	// nil, it is discarded (but still kept for error pages).
	Stdout, Stderr io.Writer
	// Logger receives lifecycle events. If nil, nothing is logged.
	Logger *slog.Logger
	// Settled, if set, is called each time the app becomes ready (with nil)
	// or fails (with the *Failure), from Run's goroutine; it must not
	// block. Live reload tells browsers then, not before.
	Settled func(error)
}

// ErrStopped is what Ready returns once Run has returned: devserver is
// shutting down, or the unit was replaced by another supervisor.
var ErrStopped = errors.New("devserver is shutting down")

type phase int

const (
	phaseStarting phase = iota // building or starting: requests wait
	phaseReady                 // addr answers
	phaseFailed                // failure says why
	phaseStopped               // Run has returned
)

type state struct {
	phase   phase
	addr    string
	failure *Failure
	leases  *leases       // requests sent to addr and not yet answered
	changed chan struct{} // closed when this state is replaced
}

// leases counts the requests under way to one app instance, so that a
// restart lets them finish before it stops that instance.
type leases struct {
	mu sync.Mutex
	n  int
}

func (l *leases) take() func() {
	l.mu.Lock()
	l.n++
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.n--
			l.mu.Unlock()
		})
	}
}

func (l *leases) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// Supervisor builds and runs the app and restarts it on request. Run owns
// the app's processes; Ready and Restart may be called from any goroutine.
type Supervisor struct {
	opts    Options
	log     *slog.Logger
	restart chan struct{} // capacity 1: requests coalesce

	mu        sync.Mutex
	st        state
	waiters   int                 // Ready calls waiting for a state change
	serving   map[string]*process // by address, the apps that serve
	settledAt time.Time           // when the app last became ready or failed
	builds    [4]window           // the latest builds' times, a ring
	nbuilds   int                 // builds run, so the next slot is nbuilds % 4
	next      *Options            // set by Reconfigure, taken by the next cycle
	nextDone  func(error)         // next's done
	prog      progress            // for Status

	// Only Run's goroutine touches these.
	good    Options     // the options the app was last ready with
	pending func(error) // done of the options on trial, or nil
	crash   crashes     // the backoff of crash restarts
}

// NewSupervisor checks the options and returns a Supervisor that has not
// started anything yet.
func NewSupervisor(opts Options) (*Supervisor, error) {
	if opts.Run == "" {
		return nil, errors.New("no app to run")
	}
	if opts.ReadyTimeout <= 0 || opts.StopTimeout <= 0 {
		return nil, errors.New("ready and stop timeouts must be positive")
	}
	if opts.StopSignal == 0 {
		opts.StopSignal = syscall.SIGTERM
	}
	if opts.Name == "" {
		opts.Name = "app"
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Supervisor{
		opts:    opts,
		good:    opts,
		serving: map[string]*process{},
		log:     log.With("component", opts.Name),
		restart: make(chan struct{}, 1),
		st:      state{phase: phaseStarting, changed: make(chan struct{})},
	}, nil
}

func (s *Supervisor) set(st state) {
	s.mu.Lock()
	if st.phase == phaseReady || st.phase == phaseFailed {
		s.settledAt = time.Now() // before anyone can see the state
	}
	st.changed = make(chan struct{})
	close(s.st.changed)
	if st.phase != s.st.phase {
		s.prog.since = time.Now()
	}
	s.st = st
	settled := s.opts.Settled
	s.mu.Unlock()
	if settled == nil {
		return
	}
	switch st.phase {
	case phaseReady:
		settled(nil)
	case phaseFailed:
		settled(st.failure)
	}
}

// SettledAt is when the app last became ready or failed; zero before.
// Nothing can have seen that state before this moment.
func (s *Supervisor) SettledAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settledAt
}

func (s *Supervisor) current() state {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// Ready waits until the app accepts connections and returns its address
// ("127.0.0.1:PORT") and a release function to call once the request to it
// is answered (or has become a stream or an upgrade): a restart lets such
// requests finish, up to StopTimeout, before it stops the app. Only the
// first call of release counts. While the app
// builds or starts Ready waits; if the app failed it returns the *Failure at
// once; it gives up when ctx ends.
func (s *Supervisor) Ready(ctx context.Context) (string, func(), error) {
	s.mu.Lock()
	for {
		// Under the one lock from the wake-up to the lease: a restart that
		// lets waiters in (letWaitersIn) sees this request as waiting until
		// it holds its lease.
		st := s.st
		switch st.phase {
		case phaseReady:
			release := st.leases.take()
			s.mu.Unlock()
			return st.addr, release, nil
		case phaseFailed:
			s.mu.Unlock()
			return "", nil, st.failure
		case phaseStopped:
			s.mu.Unlock()
			return "", nil, ErrStopped
		}
		s.waiters++
		s.mu.Unlock()
		select {
		case <-st.changed:
		case <-ctx.Done():
		}
		s.mu.Lock()
		s.waiters--
		if ctx.Err() != nil {
			s.mu.Unlock()
			return "", nil, ctx.Err()
		}
	}
}

// letWaitersIn gives the requests that waited for the app, now ready, the
// moment they need to take their lease before a restart goes ahead: under
// a stream of changes a restart may follow readiness at once, and a
// request held through one restart must not be held through the next.
func (s *Supervisor) letWaitersIn() {
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		n := s.waiters
		s.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// Restart asks for a rebuild and restart. Requests made while one is under
// way coalesce into one more.
func (s *Supervisor) Restart() {
	s.mu.Lock()
	s.prog.asked++
	s.mu.Unlock()
	select {
	case s.restart <- struct{}{}:
	default:
	}
}

// Run builds and starts the app, restarts it on request, and stops it when
// ctx ends. It returns after the app's whole process group is gone.
func (s *Supervisor) Run(ctx context.Context) error {
	var app *process
	defer func() {
		// New requests go elsewhere (a supervisor that replaces this one) or
		// are told devserver stops; those under way finish first.
		leases := s.current().leases
		s.set(state{phase: phaseStopped})
		if app != nil {
			s.drain(leases)
			s.stop(app)
		}
	}()
	if !s.waitAfter(ctx) {
		return nil
	}
	for {
		s.cycling(true)
		app = s.cycle(ctx, app)
		s.cycling(false)
		if app == nil { // failed: a crash while starting may restart by itself
			if !s.wait(ctx, s.current().failure.exitIfAny()) {
				return nil
			}
			continue
		}
		s.crash.readyAt = time.Now()
		select {
		case <-ctx.Done():
			return nil
		case <-s.restart:
			s.took(true)
		case <-app.exited:
			// The app ended by itself: say why, and wait for a change or,
			// under a restart policy, the backoff.
			f := &Failure{What: s.opts.Name + " exited", Command: s.opts.Run, Status: app.status(),
				exit: exitOf(app, time.Since(s.crash.readyAt))}
			s.log.Warn(f.What, failureAttrs(f.Status, app.output.String())...)
			s.stop(app)
			f.Output = app.output.String() // whole once the tree is released
			app = nil
			s.set(state{phase: phaseFailed, failure: f})
			if !s.wait(ctx, f.exit) {
				return nil
			}
		}
	}
}

// cycle builds (while old keeps serving), stops old and starts a new app. It
// returns the running app, or nil after a failure (published as the state).
// Options on trial that fail are put back to the good ones (Reconfigure).
func (s *Supervisor) cycle(ctx context.Context, old *process) *process {
	for {
		f := s.buildCurrent(ctx, old)
		if ctx.Err() != nil {
			return old
		}
		if f != nil {
			if s.reject(f) && old != nil {
				return old // still serving, with the options it had
			}
			prev := s.current().leases
			s.set(state{phase: phaseFailed, failure: f})
			if old != nil {
				s.drain(prev)
				s.stop(old)
			}
			return nil
		}
		app, f := s.replace(ctx, old)
		if f == nil {
			s.accept()
			return app
		}
		if ctx.Err() != nil {
			return nil
		}
		if !s.reject(f) {
			s.set(state{phase: phaseFailed, failure: f})
			return nil
		}
		// Back to the good options: requests wait for the app they start,
		// as for any restart, rather than get the trial's failure.
		old = nil
	}
}

// replace stops old, once the requests under way to it are answered, and
// starts the app anew; it returns the app once it is ready, or why not.
func (s *Supervisor) replace(ctx context.Context, old *process) (*process, *Failure) {
	if old != nil {
		s.letWaitersIn()
	}
	prev := s.current().leases
	s.set(state{phase: phaseStarting}) // new requests wait from here on
	if old != nil {
		s.drain(prev)
		s.stop(old)
	}
	app, f := s.startReady(ctx)
	if f != nil {
		return nil, f
	}
	if s.opts.NoHTTP && !s.opts.Ready.any() {
		s.log.Info(s.opts.Name+" running (no HTTP: up once started)", "pid", app.pid())
		s.set(state{phase: phaseReady, addr: app.addr, leases: &leases{}})
		return app, nil
	}
	s.mu.Lock()
	s.serving[app.addr] = app
	s.mu.Unlock()
	if s.opts.NoHTTP {
		s.log.Info(s.opts.Name+" ready", "pid", app.pid())
	} else {
		s.log.Info(s.opts.Name+" ready", "addr", app.addr, "pid", app.pid())
	}
	s.set(state{phase: phaseReady, addr: app.addr, leases: &leases{}})
	return app, nil
}

// drain waits until the requests sent to the old app are answered, up to
// StopTimeout.
func (s *Supervisor) drain(l *leases) {
	if l == nil {
		return
	}
	deadline := time.Now().Add(s.opts.StopTimeout)
	for l.count() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := l.count(); n > 0 {
		s.log.Warn("restarting with requests still under way", "requests", n)
	}
}
