package server

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Handoff is the handler a listener serves while configs change under it:
// each request is answered by the Server current when it came, and a Server
// replaced by Swap is closed once the last request it was answering is.
// The zero Handoff serves nothing until the first Swap.
type Handoff struct {
	cur    atomic.Pointer[current]
	drains sync.WaitGroup // replaced Servers not closed yet
}

// current is one Server and the requests it is answering.
type current struct {
	srv *Server

	mu      sync.Mutex
	n       int  // requests under way
	retired bool // replaced: close once n is 0
	idle    chan struct{}
}

// ServeHTTP answers with the current Server.
func (h *Handoff) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for {
		c := h.cur.Load()
		if c == nil {
			http.Error(w, "devserver is stopping", http.StatusServiceUnavailable)
			return
		}
		if c.acquire() {
			defer c.release()
			c.srv.Handler().ServeHTTP(w, r)
			return
		}
		// c was retired between Load and acquire: its successor is stored.
	}
}

func (c *current) acquire() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.retired {
		return false
	}
	c.n++
	return true
}

func (c *current) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n--; c.n == 0 && c.retired {
		close(c.idle)
	}
}

// Swap makes srv the Server that answers, and closes the one it replaces
// once the requests under way on it are answered. A nil srv serves no more
// (503) and closes the last Server at once, cutting what it still answers.
func (h *Handoff) Swap(srv *Server) {
	var next *current
	if srv != nil {
		next = &current{srv: srv, idle: make(chan struct{})}
	}
	prev := h.cur.Swap(next)
	if prev == nil {
		return
	}
	prev.mu.Lock()
	prev.retired = true
	if prev.n == 0 {
		close(prev.idle)
	}
	prev.mu.Unlock()
	h.drains.Add(1)
	go func() {
		defer h.drains.Done()
		if next != nil {
			<-prev.idle
		}
		_ = prev.srv.Close()
	}()
}

// Close closes every Server, waiting at most wait for the requests under
// way (a WebSocket may outlive its app briefly); false if some still were.
func (h *Handoff) Close(wait time.Duration) bool {
	h.Swap(nil)
	done := make(chan struct{})
	go func() { h.drains.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(wait):
		return false
	}
}
