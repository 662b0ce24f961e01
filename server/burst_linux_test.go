package server

import (
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/devserver/devserver/config"
)

// TestTheDefaultQueueHoldsABurst: a page load, its assets, a live-reload
// stream and a few tools connect at once. With the default queue_size, a
// burst of 100 connections completes without one SYN sent twice, even
// before devserver accepts any of them. (With Django's 10, Linux drops the
// SYNs past the queue, and each of those clients waits a second to retry.)
// TCP_INFO says whether a connection's handshake was retransmitted.
func TestTheDefaultQueueHoldsABurst(t *testing.T) {
	l, err := config.Load(config.Options{Dir: t.TempDir(), Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	ln := listen(t, ListenConfig{Addr: "127.0.0.1", QueueSize: l.Config.QueueSize}) // never accepts
	const burst = 100
	var wg sync.WaitGroup
	var mu sync.Mutex
	var retried, failed int
	var conns []net.Conn
	for range burst {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp4", ln.Addr().String(), 3*time.Second)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				return
			}
			conns = append(conns, c)
			rc, err := c.(*net.TCPConn).SyscallConn()
			if err != nil {
				t.Error(err)
				return
			}
			_ = rc.Control(func(fd uintptr) {
				info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
				if err == nil && info.Total_retrans > 0 {
					retried++
				}
			})
		})
	}
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}
	if retried+failed > 0 {
		t.Errorf("queue_size %d: of a burst of %d connections, %d had to send their SYN again and %d did not connect within 3s",
			l.Config.QueueSize, burst, retried, failed)
	}
}
