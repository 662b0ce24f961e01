package main

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/qrterm"
	"github.com/devserver/devserver/internal/session"
)

// banner is what devserver says when it starts.
type banner struct {
	loaded    *config.Loaded
	addr      net.Addr // the listener's
	watched   int      // files
	watchMode string   // how: "polling", "native events", ...
	lan       []string // this machine's addresses, shown for a wildcard bind
	qr        bool     // draw a QR code of the URL a phone can open
	keys      bool     // keys are read as they are pressed
}

func writeBanner(w io.Writer, bn banner) {
	var b strings.Builder
	bn.writeWhat(&b)
	bn.writeWhere(&b)
	if bn.keys {
		b.WriteString("Press h for help, r to restart, o to open the browser, q to quit.\n")
	} else {
		b.WriteString("Type rs and Enter to restart by hand. Quit the server with CONTROL-C.\n")
	}
	_, _ = io.WriteString(w, b.String())
}

// writeWhat says which config runs and what it does: the watch, the app,
// the static files, live reload.
func (bn banner) writeWhat(b *strings.Builder) {
	l, cfg := bn.loaded, bn.loaded.Config
	fmt.Fprintf(b, "devserver %s", versionString())
	if cfg.Profile != "" {
		fmt.Fprintf(b, ", profile %q", cfg.Profile)
	}
	if l.File != "" {
		fmt.Fprintf(b, ", using %s", l.Name(l.File))
		if l.Overlay != "" {
			fmt.Fprintf(b, " + %s", l.Name(l.Overlay))
		}
	}
	b.WriteString("\n")
	if cfg.Watch.Enabled {
		paths := make([]string, len(cfg.Watch.Paths))
		for i, p := range cfg.Watch.Paths {
			paths[i] = filepath.ToSlash(p)
		}
		if strings.HasPrefix(bn.watchMode, "native events") {
			fmt.Fprintf(b, "Watching %s in %s (%s)\n", count(bn.watched, "file"), strings.Join(paths, ", "), bn.watchMode)
		} else {
			fmt.Fprintf(b, "Watching %s in %s every %s (%s)\n", count(bn.watched, "file"), strings.Join(paths, ", "), cfg.Watch.Interval, bn.watchMode)
		}
	} else {
		b.WriteString("Not watching files (watch.enabled is off)\n")
	}
	if cfg.App.Run != "" {
		fmt.Fprintf(b, "App: %s", cfg.App.Run)
		if cfg.App.Build != "" {
			fmt.Fprintf(b, " (built with: %s)", cfg.App.Build)
		}
		if !cfg.App.HTTP {
			b.WriteString(" (serves no HTTP: up once started)")
		}
		b.WriteString("\n")
	}
	for _, name := range cfg.ProcessNames() {
		p := cfg.Processes[name]
		fmt.Fprintf(b, "Process %s: %s", name, p.Run)
		if p.Build != "" {
			fmt.Fprintf(b, " (built with: %s)", p.Build)
		}
		if p.Restart == "never" {
			b.WriteString(" (never restarted for a change)")
		} else if !slices.Equal(p.Watch, []string{"**/*"}) {
			fmt.Fprintf(b, " (restarted for %s)", strings.Join(p.Watch, ", "))
		}
		b.WriteString("\n")
	}
	if dir := cfg.ServedDir(); dir != "" {
		fmt.Fprintf(b, "Static files: %s at %s\n", dir, cfg.Static.Prefix)
	}
	if cfg.LiveReload {
		b.WriteString("Live reload: open pages reload by themselves after each change\n")
	}
}

// writeWhere gives the URLs, a QR code if asked for, and the warning of a
// server others can reach.
func (bn banner) writeWhere(b *strings.Builder) {
	cfg := bn.loaded.Config
	scheme, host, port, ip := bn.where()
	if cfg.TLS.Auto && cfg.TLS.Cert == "" {
		fmt.Fprintf(b, "HTTPS certificate from devserver's local CA: trust %s once and browsers stop warning\n", filepath.Join(session.LocalCADir, "ca.pem"))
	}
	fmt.Fprintf(b, "Starting development server at %s\n", bn.url())
	phone := "" // the URL another device can open
	if ip.IsUnspecified() {
		for _, a := range bn.lan {
			u := fmt.Sprintf("%s://%s/", scheme, net.JoinHostPort(a, port))
			fmt.Fprintf(b, "  on your network: %s\n", u)
			if phone == "" {
				phone = u
			}
		}
	} else if !ip.IsLoopback() {
		phone = fmt.Sprintf("%s://%s:%s/", scheme, host, port)
	}
	if bn.qr {
		writeQR(b, phone, ip)
	}
	if !ip.IsLoopback() {
		b.WriteString("WARNING: this is a development server, reachable from the network. Do not use it in production.\n")
	}
}

// where is the scheme, host (bracketed if IPv6; localhost for a wildcard
// bind), port and bound address of the server.
func (bn banner) where() (scheme, host, port string, ip netip.Addr) {
	tcp := bn.addr.(*net.TCPAddr)
	ip, _ = netip.AddrFromSlice(tcp.IP)
	ip = ip.Unmap()
	port = strconv.Itoa(tcp.Port)
	host = ip.String()
	if ip.IsUnspecified() {
		host = "localhost"
		if ip.Is6() {
			host = "[::1]"
		}
	} else if ip.Is6() {
		host = "[" + host + "]"
	}
	scheme = "http"
	if bn.loaded.Config.TLS.HTTPS() {
		scheme = "https"
	}
	return scheme, host, port, ip
}

// url is the address a browser on this machine opens.
func (bn banner) url() string {
	scheme, host, port, _ := bn.where()
	return fmt.Sprintf("%s://%s:%s/", scheme, host, port)
}

// writeQR draws a QR code of phone, or says why there is none for a server
// listening on ip.
func writeQR(b *strings.Builder, phone string, ip netip.Addr) {
	switch {
	case phone != "":
		fmt.Fprintf(b, "Scan to open %s on a phone:\n", phone)
		if err := qrterm.Write(b, phone); err != nil {
			fmt.Fprintf(b, "(no QR code: %v)\n", err)
		}
	case ip.IsUnspecified():
		b.WriteString("No QR code: this machine has no network address to show.\n")
	default:
		fmt.Fprintf(b, "No QR code: devserver listens on %s, which only this machine can reach; use --profile lan or --addr 0.0.0.0.\n", ip)
	}
}

// count is n and noun, in the plural but for one: "1 file", "2 files".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
