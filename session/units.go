package session

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/reload"
)

// registry holds the units' supervisors, by name, for other goroutines than
// the run loop, which starts and replaces them: routes send requests to
// them, and a unit that depends on others asks them if they are ready.
type registry struct {
	mu   sync.Mutex
	sups map[string]*reload.Supervisor
}

func (u *registry) set(name string, sup *reload.Supervisor) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.sups == nil {
		u.sups = map[string]*reload.Supervisor{}
	}
	if sup == nil {
		delete(u.sups, name)
		return
	}
	u.sups[name] = sup
}

// building reports whether a unit's build runs now.
func (u *registry) building() bool {
	u.mu.Lock()
	sups := slices.Collect(maps.Values(u.sups)) // asked without the lock: no order of locks to keep
	u.mu.Unlock()
	now := time.Now()
	for _, sup := range sups {
		if _, running := sup.WrittenByBuild(now); running {
			return true
		}
	}
	return false
}

func (u *registry) get(name string) *reload.Supervisor {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.sups[name]
}

// unitUpstream is the upstream of a unit, the app's or a route's: whichever
// supervisor runs it now. A request that comes while there is none (the
// unit is being replaced) waits for one, as for a restart.
type unitUpstream struct {
	units *registry
	name  string
}

// Ready waits for the unit's supervisor, then for the unit; when that
// supervisor stops because a new config replaced it, for the next.
func (u unitUpstream) Ready(ctx context.Context) (string, func(), error) {
	for {
		if sup := u.units.get(u.name); sup != nil {
			addr, release, err := sup.Ready(ctx)
			if !errors.Is(err, reload.ErrStopped) || u.units.get(u.name) == sup {
				return addr, release, err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return "", nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stream and Stopping are the current supervisor's: a stream to an address
// another supervisor served has ended with it.
func (u unitUpstream) Stream(addr string) (<-chan struct{}, func()) {
	if sup := u.units.get(u.name); sup != nil {
		return sup.Stream(addr)
	}
	return closed(), func() {}
}

func (u unitUpstream) Stopping(addr string) <-chan struct{} {
	if sup := u.units.get(u.name); sup != nil {
		return sup.Stopping(addr)
	}
	return closed()
}

func closed() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// sameRun reports whether a and b run the same commands the same way:
// every option compared but the session's own writers, logger and
// callbacks, so that a new option is never left out.
func sameRun(a, b reload.Options) bool {
	return reflect.DeepEqual(runSettings(a), runSettings(b))
}

func runSettings(o reload.Options) reload.Options {
	o.Stdout, o.Stderr, o.Logger, o.Settled, o.Units = nil, nil, nil, nil, nil
	return o
}

// stopUnits stops the units, each before the units it depends on: in
// waves of those no running unit depends on, each wave together.
func (s *session) stopUnits() {
	tasks := map[string]*task{}
	for name, u := range s.units {
		tasks[name] = u.task
	}
	var cfg *config.Config
	if s.loaded != nil {
		cfg = s.loaded.Config
	}
	for len(tasks) > 0 {
		var wave []string
		for name := range tasks {
			if !neededBy(cfg, name, tasks) {
				wave = append(wave, name)
			}
		}
		if len(wave) == 0 { // a cycle cannot load; stop what is left at once
			wave = slices.Collect(maps.Keys(tasks))
		}
		ts := make([]*task, len(wave))
		for i, name := range wave {
			ts[i] = tasks[name]
			delete(tasks, name)
		}
		stopTogether(ts)
	}
}

// neededBy reports whether a unit still running depends on unit.
func neededBy(cfg *config.Config, unit string, running map[string]*task) bool {
	if cfg == nil {
		return false
	}
	for other := range running {
		if other != unit && slices.Contains(cfg.DependsOn(other), unit) {
			return true
		}
	}
	return false
}

// unitContext is the context a unit's supervisor runs in: the session's
// values, but not its end. Units are stopped by stopUnits, in the order
// their dependencies ask for, not all at once when the session ends.
func unitContext(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// restartUnit restarts one unit and no other: the one an error page's
// button is about, or one `devserver restart` names. by says which.
func (s *session) restartUnit(name, by string) {
	u := s.units[name]
	if u == nil {
		s.log.Warn("restart asked for a unit that does not run", "unit", name)
		return
	}
	s.log.Info("restarting "+name+" ("+by+")", "unit", name)
	u.sup.Restart()
}
