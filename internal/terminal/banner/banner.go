// Package banner is what devserver says when it starts, as Vite does: how
// long it took, where to open it (the local, network and forwarded URLs, a
// QR code), what runs and is watched, and the keys; or, for a log in JSON,
// one record that says the same.
package banner

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/cloudide"
	"github.com/devserver/devserver/internal/errorpage/ansi"
	"github.com/devserver/devserver/internal/localca"
	"github.com/devserver/devserver/internal/terminal/qrterm"
)

// Banner is what devserver says when it starts: the facts it is made of.
type Banner struct {
	Version   string // devserver's
	Loaded    *config.Loaded
	Addr      net.Addr      // the listener's
	ReadyIn   time.Duration // from start to serving
	Watched   int           // files
	WatchMode string        // how: "polling", "native events", ...
	LAN       []string      // this machine's addresses, shown for a wildcard bind
	QR        bool          // draw a QR code of the URL a phone can open
	Keys      bool          // keys are read as they are pressed
	Moved     string        // why the port is not the one asked for, or ""
	Environ   []string      // devserver's environment: a cloud IDE's forwarding
	Color     bool          // stdout is a terminal that takes colours
}

// paint colours s with the SGR code when the banner has colours: the URLs
// stand out, as in Vite's.
func (bn Banner) paint(code, s string) string {
	if !bn.Color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Write writes the banner for a person.
func Write(w io.Writer, bn Banner) {
	var b strings.Builder
	l, cfg := bn.Loaded, bn.Loaded.Config
	fmt.Fprintf(&b, "\n  devserver %s  ready in %d ms", bn.Version, bn.ReadyIn.Milliseconds())
	if l.File != "" {
		fmt.Fprintf(&b, "  (%s", l.Name(l.File))
		if l.Overlay != "" {
			fmt.Fprintf(&b, " + %s", l.Name(l.Overlay))
		}
		if cfg.Profile != "" {
			fmt.Fprintf(&b, ", profile %q", cfg.Profile)
		}
		b.WriteString(")")
	} else if cfg.Profile != "" {
		fmt.Fprintf(&b, "  (profile %q)", cfg.Profile)
	}
	b.WriteString("\n\n")
	bn.WriteWhere(&b)
	b.WriteString("\n")
	bn.writeWhat(&b)
	if bn.Keys {
		b.WriteString("\n  press h for help, r to restart, o to open the browser, q to quit\n\n")
	} else {
		b.WriteString("\n  Type rs and Enter to restart by hand. Quit the server with CONTROL-C.\n\n")
	}
	_, _ = io.WriteString(w, b.String())
}

// writeWhat says what runs and what is watched: the app, the processes,
// the files, the static files, live reload.
func (bn Banner) writeWhat(b *strings.Builder) {
	cfg := bn.Loaded.Config
	row := func(label, format string, args ...any) { // commands and paths from the config, escaped
		fmt.Fprintf(b, "  %-9s %s\n", label, ansi.Escape(fmt.Sprintf(format, args...)))
	}
	if cfg.App.Run != "" {
		what := cfg.App.Run
		if cfg.App.Build != "" {
			what += " (built with: " + cfg.App.Build + ")"
		}
		if !cfg.App.HTTP {
			what += " (serves no HTTP: up once started)"
		}
		row("App", "%s", what)
	}
	for _, name := range cfg.ProcessNames() {
		p := cfg.Processes[name]
		what := name + ": " + p.Run
		if p.Build != "" {
			what += " (built with: " + p.Build + ")"
		}
		if p.Restart == "never" {
			what += " (never restarted for a change)"
		} else if !slices.Equal(p.Watch, []string{"**/*"}) {
			what += " (restarted for " + strings.Join(p.Watch, ", ") + ")"
		}
		row("Process", "%s", what)
	}
	for _, r := range cfg.RouteList() {
		target := r.Unit
		if r.URL != nil {
			target = r.URL.String()
		}
		row("Route", "%s → %s", r.Prefix, target)
	}
	if cfg.Watch.Enabled {
		paths := make([]string, len(cfg.Watch.Paths))
		for i, p := range cfg.Watch.Paths {
			paths[i] = filepath.ToSlash(p)
		}
		if strings.HasPrefix(bn.WatchMode, "native events") {
			row("Watching", "%s in %s (%s)", count(bn.Watched, "file"), strings.Join(paths, ", "), bn.WatchMode)
		} else {
			row("Watching", "%s in %s every %s (%s)", count(bn.Watched, "file"), strings.Join(paths, ", "), cfg.Watch.Interval, bn.WatchMode)
		}
	} else {
		row("Watching", "nothing (watch.enabled is off)")
	}
	if dir := cfg.ServedDir(); dir != "" {
		row("Static", "%s at %s", dir, cfg.Static.Prefix)
	}
	if cfg.LiveReload {
		row("Reload", "open pages reload by themselves after each change")
	}
	if cfg.TLS.Auto && cfg.TLS.Cert == "" {
		row("HTTPS", "a certificate from devserver's local CA (%s): run devserver trust once and browsers stop warning", filepath.Join(localca.Dir, "ca.pem"))
	}
}

// WriteWhere gives the URLs, a QR code if asked for, and the warning of a
// server others can reach.
func (bn Banner) WriteWhere(b *strings.Builder) {
	scheme, _, port, ip := bn.where()
	fmt.Fprintf(b, "  ➜  Local:   %s\n", bn.paint("1;36", bn.URL()))
	if f, ok := cloudide.Detect(bn.Environ); ok {
		n, _ := strconv.Atoi(port)
		fmt.Fprintf(b, "  ➜  %s: %s\n", f.Name, bn.paint("36", f.URL(n)))
	}
	if bn.Moved != "" {
		fmt.Fprintf(b, "  ➜  Moved:   %s\n", bn.paint("33", ansi.Escape(bn.Moved)+", so devserver took the next free one (strict_port: true refuses instead)"))
	}
	phone := "" // the URL another device can open
	if ip.IsUnspecified() {
		for _, a := range bn.LAN {
			u := fmt.Sprintf("%s://%s/", scheme, net.JoinHostPort(a, port))
			fmt.Fprintf(b, "  ➜  Network: %s\n", bn.paint("36", u))
			if phone == "" {
				phone = u
			}
		}
	} else if !ip.IsLoopback() {
		phone = bn.URL()
	} else {
		b.WriteString("  ➜  Network: use --host to expose (or --profile lan)\n")
	}
	if bn.QR {
		writeQR(b, phone, ip)
	}
	if !ip.IsLoopback() {
		b.WriteString("  WARNING: this is a development server, reachable from the network. Do not use it in production.\n")
	}
}

// where is the scheme, host (bracketed if IPv6; localhost for a wildcard
// bind), port and bound address of the server.
func (bn Banner) where() (scheme, host, port string, ip netip.Addr) {
	tcp := bn.Addr.(*net.TCPAddr)
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
	if bn.Loaded.Config.TLS.HTTPS() {
		scheme = "https"
	}
	return scheme, host, port, ip
}

// LogServing says what Write says, as a JSON record: with
// --log-format json, stdout is a stream of records too.
func LogServing(w io.Writer, bn Banner) {
	attrs := []any{"version", bn.Version, "url", bn.URL(), "ready_ms", bn.ReadyIn.Milliseconds()}
	if l := bn.Loaded; l.File != "" {
		attrs = append(attrs, "config", l.Name(l.File))
	}
	if p := bn.Loaded.Config.Profile; p != "" {
		attrs = append(attrs, "profile", p)
	}
	slog.New(slog.NewJSONHandler(w, nil)).Info("serving", attrs...)
}

// URL is the address a browser on this machine opens.
func (bn Banner) URL() string {
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
		fmt.Fprintf(b, "No QR code: devserver listens on %s, which only this machine can reach; use --host or --profile lan.\n", ip)
	}
}

// count is n and noun, in the plural but for one: "1 file", "2 files".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
