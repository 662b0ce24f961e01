package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
)

// ListenConfig says where the front server listens.
type ListenConfig struct {
	Addr      string // IP literal or host name; "" means 127.0.0.1 (::1 with IPv6)
	Port      int    // 0 picks a free port
	IPv6      bool
	QueueSize int // listen(2) backlog; 0 keeps the system's default
}

// plan picks the network ("tcp4" or "tcp6", never the dual-stack "tcp"),
// the address to bind and the host it names.
func plan(lc ListenConfig) (network, hostPort, addr string) {
	addr = lc.Addr
	if addr == "" {
		addr = "127.0.0.1"
		if lc.IPv6 {
			addr = "::1"
		}
	}
	network = "tcp4"
	if ip, err := netip.ParseAddr(addr); err == nil {
		if ip.Is6() && !ip.Is4In6() {
			network = "tcp6"
		}
	} else if lc.IPv6 {
		network = "tcp6"
	}
	return network, net.JoinHostPort(addr, strconv.Itoa(lc.Port)), addr
}

// Listen opens the front server's listener. An IPv4 address listens on IPv4
// only and an IPv6 address on IPv6 only (IPV6_V6ONLY is set explicitly, so a
// wildcard never goes dual-stack behind the user's back). A host name
// listens on the first address it resolves to of the wanted family.
// QueueSize sets the accept backlog; the kernel caps it at somaxconn.
//
// A port already in use is reported in one line naming the address and,
// where the system says, the process holding it; errors.Is matches it with
// syscall.EADDRINUSE.
func Listen(ctx context.Context, lc ListenConfig) (net.Listener, error) {
	network, hostPort, addr := plan(lc)
	cfg := net.ListenConfig{Control: func(network, _ string, c syscall.RawConn) error {
		if network != "tcp6" {
			return nil
		}
		var serr error
		err := c.Control(func(fd uintptr) { serr = setV6Only(fd) })
		return errors.Join(err, serr)
	}}
	ln, err := cfg.Listen(ctx, network, hostPort)
	if err != nil {
		if errors.Is(err, errAddrInUse) {
			return nil, inUseError(fmt.Sprintf("port %d on %s is already in use%s (choose another with --port, ADDRPORT or port)", lc.Port, addr, holderOf(lc.Port)))
		}
		if errors.Is(err, errAddrNotAvail) {
			return nil, fmt.Errorf("cannot listen on %s: no interface of this machine has that address", hostPort)
		}
		return nil, fmt.Errorf("listen on %s: %w", hostPort, err)
	}
	if lc.QueueSize > 0 {
		if err := setBacklog(ln, lc.QueueSize); err != nil {
			ln.Close()
			return nil, fmt.Errorf("set listen queue size %d on %s: %w", lc.QueueSize, hostPort, err)
		}
	}
	return ln, nil
}

// inUseError says which port is taken and by whom; it is
// syscall.EADDRINUSE to errors.Is.
type inUseError string

func (e inUseError) Error() string { return string(e) }
func (e inUseError) Unwrap() error { return syscall.EADDRINUSE }

// SetQueueSize changes the accept backlog of a listener Listen opened, in
// place: no connection is refused meanwhile.
func SetQueueSize(ln net.Listener, n int) error { return setBacklog(ln, n) }
