package server

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/devserver/devserver/internal/cloudide"
	"github.com/devserver/devserver/internal/localnet"
)

// hostCheck refuses requests whose Host is not this server's, against DNS
// rebinding: a page on attacker.example whose name later resolves to
// 127.0.0.1 must not read this server's answers.
type hostCheck struct {
	any      bool            // allowed_hosts holds "*"
	names    map[string]bool // exact names and addresses, lower case
	suffixes []string        // ".example.test" matches it and its subdomains
}

// newHostCheck allows localhost, *.localhost, loopback addresses and the
// names of this machine a server bound to bindAddr answers as
// (localnet.Names); and the allowed_hosts entries.
func newHostCheck(bindAddr string, allowed []string) *hostCheck {
	h := &hostCheck{names: map[string]bool{}}
	for _, n := range localnet.Names(bindAddr) {
		h.names[normalizeHost(n)] = true
	}
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSuffix(a, "."))
		switch {
		case a == "*":
			h.any = true
		case strings.HasPrefix(a, "."):
			h.suffixes = append(h.suffixes, a)
		default:
			h.names[normalizeHost(a)] = true
		}
	}
	return h
}

// normalizeHost lower-cases a host, strips a trailing dot and IPv6
// brackets, and writes IP addresses canonically.
func normalizeHost(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.WithZone("").String()
	}
	return host
}

// splitHost takes the host out of a Host header value; ok is false for a
// malformed one.
func splitHost(hostport string) (string, bool) {
	if hostport == "" || strings.ContainsAny(hostport, " \t\r\n/\\@") {
		return "", false
	}
	host := hostport
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "", false
		}
		host = hostport[:end+1]
		if rest := hostport[end+1:]; rest != "" && !validPort(strings.TrimPrefix(rest, ":")) {
			return "", false
		}
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		if strings.Count(hostport, ":") > 1 || !validPort(hostport[i+1:]) {
			return "", false
		}
		host = hostport[:i]
	}
	return normalizeHost(host), host != ""
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

// allowed reports whether the request's effective authority may be served.
// r.Host is what Go took from an absolute-form request target or else the
// Host header; X-Forwarded-Host and Origin never count.
func (h *hostCheck) allowed(hostport string) (string, bool) {
	host, ok := splitHost(hostport)
	if !ok {
		return host, false
	}
	if h.any || h.names[host] || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return host, true
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return host, true
	}
	for _, s := range h.suffixes {
		if host == s[1:] || strings.HasSuffix(host, s) {
			return host, true
		}
	}
	return host, false
}

func (h *hostCheck) wrap(next http.Handler, configName string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, ok := h.allowed(r.Host)
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		msg := fmt.Sprintf("Invalid Host header %q.\n\ndevserver answers only for localhost, loopback addresses and the address it listens on, "+
			"against DNS rebinding. To allow this host, add it to allowed_hosts in %s (or set DEVSERVER_ALLOWED_HOSTS).\n", host, configName)
		if hint := cloudide.Hint(host); hint != "" {
			msg += "(" + hint + ".)\n"
		}
		if host == "" {
			msg = "Missing or malformed Host header.\n"
		}
		writePlain(w, http.StatusBadRequest, msg)
	})
}
