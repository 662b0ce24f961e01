//go:build unix

package server

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestQueueSizeIsTheBacklog reads the backlog back as ss(8) shows it: the
// Send-Q of a listening socket.
func TestQueueSizeIsTheBacklog(t *testing.T) {
	if _, err := exec.LookPath("ss"); err != nil {
		t.Skip("ss (iproute2) is not installed: cannot read a socket's backlog")
	}
	for _, n := range []int{10, 37, 128} {
		ln := listen(t, ListenConfig{Addr: "127.0.0.1", QueueSize: n})
		out, err := exec.Command("ss", "-ltnH", fmt.Sprintf("sport = :%d", port(ln))).Output()
		if err != nil {
			t.Fatalf("ss: %v", err)
		}
		f := strings.Fields(string(out))
		if len(f) < 3 || f[2] != strconv.Itoa(n) {
			t.Errorf("queue_size %d: ss shows %q", n, out)
		}
	}
}

func TestIPv6ListensOnIPv6Only(t *testing.T) {
	ln := listen(t, ListenConfig{IPv6: true})
	if got := ln.Addr().(*net.TCPAddr).IP.String(); got != "::1" {
		t.Fatalf("listening on %s, want ::1", got)
	}
	c, err := net.Dial("tcp6", fmt.Sprintf("[::1]:%d", port(ln)))
	if err != nil {
		t.Fatalf("dial ::1: %v", err)
	}
	c.Close()
	if c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", port(ln))); err == nil {
		c.Close()
		t.Error("an IPv6 listener accepted an IPv4 connection")
	}
	v6only := -1
	rc, _ := ln.(*net.TCPListener).SyscallConn()
	rc.Control(func(fd uintptr) { v6only, _ = unix.GetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_V6ONLY) })
	if v6only != 1 {
		t.Errorf("IPV6_V6ONLY = %d, want 1: a wildcard :: must not go dual-stack silently", v6only)
	}
}
