package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Route sends the requests under a URL path prefix to an upstream of their
// own, each held while its upstream restarts as the app's are.
type Route struct {
	// Prefix is a URL path: "/api" takes /api and everything under /api/,
	// "/" every path. The path is passed on as it is.
	Prefix string
	// Name says what serves the route on pages ("web",
	// "http://127.0.0.1:9000").
	Name string
	// Unit is the unit that serves it, which the error page's restart
	// button restarts; "" for a server devserver does not run.
	Unit string
	// Upstream is where the requests go (URLUpstream for a server devserver
	// does not run).
	Upstream Upstream
	// ReadyTimeout bounds how long a request waits for the upstream. If
	// zero, Options.ReadyTimeout.
	ReadyTimeout time.Duration
}

// routed is a route with its proxy.
type routed struct {
	prefix string
	proxy  *proxy
}

// takes reports whether the route serves path.
func (rt routed) takes(path string) bool {
	return rt.prefix == "/" || path == rt.prefix || strings.HasPrefix(path, rt.prefix+"/")
}

// newRoutes makes a proxy for each route, longest prefix first.
func (s *Server) newRoutes(routes []Route) []routed {
	out := make([]routed, 0, len(routes))
	for _, r := range routes {
		timeout := r.ReadyTimeout
		if timeout == 0 {
			timeout = s.opts.ReadyTimeout
		}
		p := newProxy(r.Upstream, timeout, s.opts.LiveReload != nil)
		p.failure, p.name, p.unit = s.failurePage, r.Name, r.Unit
		out = append(out, routed{prefix: strings.TrimSuffix(r.Prefix, "/"), proxy: p})
		if out[len(out)-1].prefix == "" {
			out[len(out)-1].prefix = "/"
		}
	}
	slices.SortStableFunc(out, func(a, b routed) int { return len(b.prefix) - len(a.prefix) })
	return out
}

// route returns the proxy of the route that takes path, or nil.
func (s *Server) route(path string) *proxy {
	for _, rt := range s.routes {
		if rt.takes(path) {
			return rt.proxy
		}
	}
	return nil
}

// URLUpstream is a server devserver does not run, at u (http://host:port),
// as the route at prefix names it. Requests to it are not held: when
// nothing answers there, the page says so, naming the URL.
func URLUpstream(u *url.URL, prefix string) Upstream {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	return urlUpstream{addr: host, url: u.String(), prefix: prefix}
}

type urlUpstream struct{ addr, url, prefix string }

func (u urlUpstream) Ready(context.Context) (string, func(), error) { return u.addr, func() {}, nil }

// refused is what a request gets when nothing listens at the URL.
func (u urlUpstream) refused() error { return urlDown(u) }

// urlDown is the failure of a route to a URL where nothing answers.
type urlDown urlUpstream

func (d urlDown) Error() string { return "nothing answers at " + d.url }
func (d urlDown) Title() string { return "Nothing answers at " + d.url }
func (d urlDown) Detail() string {
	return fmt.Sprintf("The route %s sends requests to %s, a server devserver does not run: start it, or change routes in the config.\n", d.prefix, d.url)
}

// refuser is what an Upstream may also be: one where a refused connection
// is an answer in itself, not a restart to wait out.
type refuser interface{ refused() error }

// serveRouted proxies r by the route that takes it, or reports false.
func (s *Server) serveRouted(w http.ResponseWriter, r *http.Request) bool {
	p := s.route(r.URL.Path)
	if p == nil {
		return false
	}
	p.ServeHTTP(w, r)
	return true
}
