// Package cloudide knows how the cloud development environments people run
// devserver in (GitHub Codespaces, Gitpod) forward a port to the browser:
// under a host name of their own, which the Host check must allow there
// and the banner should print.
package cloudide

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/devserver/devserver/internal/desktop/environ"
)

// Forward is how the environment devserver runs in forwards a port.
type Forward struct {
	// Name is the environment's, for the banner: "GitHub Codespaces".
	Name string
	// Vars are the variables it was told by.
	Vars   string
	prefix string // the forwarded host is prefix + port + suffix
	suffix string
}

// Detect returns the forwarding of the environment environ describes, if
// it is one devserver knows.
func Detect(env []string) (Forward, bool) {
	get := func(name string) string { v, _ := environ.Lookup(env, name); return v }
	if name, domain := get("CODESPACE_NAME"), get("GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN"); hostPart(name) && hostPart(domain) {
		return Forward{Name: "GitHub Codespaces", Vars: "CODESPACE_NAME and GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN",
			prefix: strings.ToLower(name) + "-", suffix: "." + strings.ToLower(domain)}, true
	}
	if u, err := url.Parse(get("GITPOD_WORKSPACE_URL")); err == nil && u.Scheme == "https" && hostPart(u.Hostname()) {
		return Forward{Name: "Gitpod", Vars: "GITPOD_WORKSPACE_URL", prefix: "", suffix: "-" + strings.ToLower(u.Hostname())}, true
	}
	return Forward{}, false
}

// hostPart reports whether s may stand in a host name: letters, digits,
// '-' and '.', not empty, not too long.
func hostPart(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Host is the name the environment forwards port under.
func (f Forward) Host(port int) string { return f.prefix + strconv.Itoa(port) + f.suffix }

// URL is the address a browser opens for port.
func (f Forward) URL(port int) string { return "https://" + f.Host(port) + "/" }

// Hint says, for a refused host that looks forwarded by an environment
// devserver knows, which variables would have allowed it; "" otherwise.
func Hint(host string) string {
	switch {
	case strings.HasSuffix(host, ".app.github.dev") || strings.HasSuffix(host, ".githubpreview.dev"):
		return "it looks like a GitHub Codespaces forwarded host: devserver allows it by itself when CODESPACE_NAME and GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN are set, as they are inside the codespace"
	case strings.HasSuffix(host, ".gitpod.io"):
		return "it looks like a Gitpod forwarded host: devserver allows it by itself when GITPOD_WORKSPACE_URL is set, as it is inside the workspace"
	}
	return ""
}
