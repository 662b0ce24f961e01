//go:build !linux

package server

import (
	"net"
	"syscall"
)

func setV6Only(fd uintptr) error {
	return syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1)
}

// setBacklog is a no-op where listen(2) cannot be repeated to change it; the
// system default applies.
func setBacklog(net.Listener, int) error { return nil }

func holderOf(int) string { return "" }
