package main

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/qrterm"
)

// banner is what devserver says when it starts.
type banner struct {
	loaded  *config.Loaded
	addr    net.Addr // the listener's
	watched int      // files
	lan     []string // this machine's addresses, shown for a wildcard bind
	qr      bool     // draw a QR code of the URL a phone can open
}

func writeBanner(w io.Writer, bn banner) {
	l, cfg := bn.loaded, bn.loaded.Config
	tcp := bn.addr.(*net.TCPAddr)
	ip, _ := netip.AddrFromSlice(tcp.IP)
	ip = ip.Unmap()
	watched := bn.watched
	var b strings.Builder
	fmt.Fprintf(&b, "devserver %s", versionString())
	if cfg.Profile != "" {
		fmt.Fprintf(&b, ", profile %q", cfg.Profile)
	}
	if l.File != "" {
		fmt.Fprintf(&b, ", using %s", l.Name(l.File))
		if l.Overlay != "" {
			fmt.Fprintf(&b, " + %s", l.Name(l.Overlay))
		}
	}
	b.WriteString("\n")
	if cfg.Watch.Enabled {
		paths := make([]string, len(cfg.Watch.Paths))
		for i, p := range cfg.Watch.Paths {
			paths[i] = filepath.ToSlash(p)
		}
		fmt.Fprintf(&b, "Watching %d files in %s every %s (polling)\n", watched, strings.Join(paths, ", "), cfg.Watch.Interval)
	} else {
		b.WriteString("Not watching files (watch.enabled is off)\n")
	}
	if cfg.App.Run != "" {
		fmt.Fprintf(&b, "App: %s", cfg.App.Run)
		if cfg.App.Build != "" {
			fmt.Fprintf(&b, " (built with: %s)", cfg.App.Build)
		}
		b.WriteString("\n")
	}
	if cfg.Static.Dir != "" || cfg.App.Run == "" {
		dir := cfg.Static.Dir
		if dir == "" {
			dir = "."
		}
		fmt.Fprintf(&b, "Static files: %s at %s\n", cfg.Abs(dir), cfg.Static.Prefix)
	}
	if cfg.LiveReload {
		b.WriteString("Live reload: open pages reload by themselves after each change\n")
	}
	port := strconv.Itoa(tcp.Port)
	host := ip.String()
	if ip.IsUnspecified() {
		host = "localhost"
		if ip.Is6() {
			host = "[::1]"
		}
	} else if ip.Is6() {
		host = "[" + host + "]"
	}
	scheme := "http"
	if cfg.TLS.HTTPS() {
		scheme = "https"
	}
	if cfg.TLS.Auto && cfg.TLS.Cert == "" {
		fmt.Fprintf(&b, "HTTPS certificate from devserver's local CA: trust %s once and browsers stop warning\n", filepath.Join(localCADir, "ca.pem"))
	}
	fmt.Fprintf(&b, "Starting development server at %s://%s:%s/\n", scheme, host, port)
	phone := "" // the URL another device can open
	if ip.IsUnspecified() {
		for _, a := range bn.lan {
			u := fmt.Sprintf("%s://%s/", scheme, net.JoinHostPort(a, port))
			fmt.Fprintf(&b, "  on your network: %s\n", u)
			if phone == "" {
				phone = u
			}
		}
	} else if !ip.IsLoopback() {
		phone = fmt.Sprintf("%s://%s:%s/", scheme, host, port)
	}
	if bn.qr {
		switch {
		case phone != "":
			fmt.Fprintf(&b, "Scan to open %s on a phone:\n", phone)
			if err := qrterm.Write(&b, phone); err != nil {
				fmt.Fprintf(&b, "(no QR code: %v)\n", err)
			}
		case ip.IsUnspecified():
			b.WriteString("No QR code: this machine has no network address to show.\n")
		default:
			fmt.Fprintf(&b, "No QR code: devserver listens on %s, which only this machine can reach; use --profile lan or --addr 0.0.0.0.\n", ip)
		}
	}
	if !ip.IsLoopback() {
		b.WriteString("WARNING: this is a development server, reachable from the network. Do not use it in production.\n")
	}
	b.WriteString("Type rs and Enter to restart by hand. Quit the server with CONTROL-C.\n")
	_, _ = io.WriteString(w, b.String())
}

// lanAddrs lists this machine's non-loopback addresses of one family.
func lanAddrs(v6 bool) []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil || p.Addr().IsLoopback() || p.Addr().IsLinkLocalUnicast() || p.Addr().Is6() != v6 {
			continue
		}
		out = append(out, p.Addr().String())
	}
	return out
}
