package session

import (
	"context"
	"reflect"
	"sync"
	"time"

	"github.com/devserver/devserver/reload"
)

// units are the supervisors that routes send requests to, by name: the
// front server asks them from request goroutines, while the run loop
// starts and replaces them.
type units struct {
	mu   sync.Mutex
	sups map[string]*reload.Supervisor
}

func (u *units) set(name string, sup *reload.Supervisor) {
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

func (u *units) get(name string) *reload.Supervisor {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.sups[name]
}

// unitUpstream is the upstream of a route to a process: whichever
// supervisor runs it now. A request that comes while there is none (the
// process is being replaced) waits for one, as for a restart.
type unitUpstream struct {
	units *units
	name  string
}

// Ready waits for the process's supervisor, then for the process.
func (u unitUpstream) Ready(ctx context.Context) (string, func(), error) {
	for {
		if sup := u.units.get(u.name); sup != nil {
			return sup.Ready(ctx)
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
	o.Stdout, o.Stderr, o.Logger, o.Settled = nil, nil, nil, nil
	return o
}
