// Package localnet says what this machine is called on the network: its
// interface addresses and its host name. The Host check, the HTTPS
// certificate and the banner all ask it, so that what the banner shows is
// what the certificate covers and what the Host check lets in.
//
// It binds nothing and resolves no names.
package localnet

import (
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
)

// LAN lists this machine's addresses of one family that other devices can
// reach: every interface address but loopback and link-local ones.
func LAN(v6 bool) []string {
	var out []string
	for _, a := range interfaceAddrs() {
		if a.IsLoopback() || a.IsLinkLocalUnicast() || a.Is6() != v6 {
			continue
		}
		out = append(out, a.String())
	}
	return out
}

// Names lists, lower case and without duplicates, every name a server bound
// to bindAddr answers as: localhost, the loopback addresses and bindAddr
// itself; for a wildcard bind (0.0.0.0, ::) also every interface address,
// the host name and the host name under .local.
func Names(bindAddr string) []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	add := func(n string) {
		if n = strings.ToLower(n); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	ip, err := netip.ParseAddr(strings.Trim(bindAddr, "[]"))
	if err != nil {
		add(strings.TrimSuffix(bindAddr, "."))
		return names
	}
	add(ip.WithZone("").Unmap().String())
	if !ip.IsUnspecified() {
		return names
	}
	for _, a := range interfaceAddrs() {
		add(a.String())
	}
	if host, err := os.Hostname(); err == nil && host != "" {
		add(host)
		add(host + ".local")
	}
	return names
}

// interfaceAddrs are the addresses of this machine's interfaces, without
// zones; none when the system will not say.
func interfaceAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().WithZone("").Unmap())
		}
	}
	return out
}
