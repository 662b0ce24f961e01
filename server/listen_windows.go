package server

import (
	"net"
	"syscall"

	"golang.org/x/sys/windows"
)

func setV6Only(fd uintptr) error {
	return syscall.SetsockoptInt(syscall.Handle(fd), syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1)
}

// setBacklog is a no-op on Windows: listen cannot be repeated to change the
// backlog there, and Go asks for the system's maximum (SOMAXCONN).
func setBacklog(net.Listener, int) error { return nil }

// holderOf names no process on Windows: finding the owner of a port needs
// GetExtendedTcpTable, and the error already names the port.
func holderOf(int) string { return "" }

// The socket errors as Windows spells them (WSAE…), which the syscall
// package's EADDRINUSE and kin do not match.
var (
	errAddrInUse    error = windows.WSAEADDRINUSE
	errAddrNotAvail error = windows.WSAEADDRNOTAVAIL
	errConnRefused  error = windows.WSAECONNREFUSED
)
