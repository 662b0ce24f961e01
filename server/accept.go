package server

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"
)

// acceptWarner is a listener that says, at most once a minute, when it
// cannot accept for want of file descriptors. net/http waits and retries
// by itself (up to a second between tries), so nothing fails for good; but
// connections wait meanwhile, and the user should hear why.
type acceptWarner struct {
	net.Listener
	log *slog.Logger

	mu   sync.Mutex
	last time.Time
}

func (a *acceptWarner) Accept() (net.Conn, error) {
	c, err := a.Listener.Accept()
	if err != nil && (errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)) {
		a.mu.Lock()
		if time.Since(a.last) > time.Minute {
			a.last = time.Now()
			a.log.Warn("out of file descriptors: new connections wait until some close (raise `ulimit -n`, or close idle clients)", "err", err)
		}
		a.mu.Unlock()
	}
	return c, err
}
