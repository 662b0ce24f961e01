//go:build unix

package server

import (
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

func setV6Only(fd uintptr) error {
	return unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
}

// setBacklog calls listen(2) again on the bound socket: Linux then only
// changes the backlog (net/ipv4/af_inet.c, inet_listen), and so do macOS
// and the BSDs (solisten). Go offers no other way to choose it.
func setBacklog(ln net.Listener, n int) error {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return fmt.Errorf("not a TCP listener")
	}
	rc, err := tl.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) { lerr = unix.Listen(int(fd), n) }); err != nil {
		return err
	}
	return lerr
}

// The socket errors as this system spells them (listen_windows.go has the
// WSAE spelling).
var (
	errAddrInUse    error = syscall.EADDRINUSE
	errAddrNotAvail error = syscall.EADDRNOTAVAIL
	errConnRefused  error = syscall.ECONNREFUSED
)
