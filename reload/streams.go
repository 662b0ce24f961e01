package reload

import "sync"

// Stopping returns a channel that is closed when the app at addr is being
// stopped (closed already when no app serves there).
func (s *Supervisor) Stopping(addr string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.serving[addr]; p != nil {
		return p.stopping
	}
	gone := make(chan struct{})
	close(gone)
	return gone
}

// Stream counts a stream or upgraded connection open to the app at addr
// until end is called, and returns a channel closed once that app is
// being stopped (at once if it is gone already): the front server then
// ends the stream.
func (s *Supervisor) Stream(addr string) (stopping <-chan struct{}, end func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.serving[addr]
	if p == nil {
		gone := make(chan struct{})
		close(gone)
		return gone, func() {}
	}
	p.streams.Add(1)
	var once sync.Once
	return p.stopping, func() { once.Do(func() { p.streams.Add(-1) }) }
}
