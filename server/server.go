// Package server is devserver's HTTP front: the listener, the reverse proxy
// to the app (holding requests while it restarts), static files, the Host
// check, error pages and the Django-style request log; and the handoff from
// one config's Server to the next, each request answered where it began.
//
// It does not run the app: it asks an Upstream where the app is.
package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// Options configure a Server.
type Options struct {
	// BindAddr is the address the listener is bound to. The Host check
	// lets in the names a server bound to it answers as (localhost and
	// loopback always; for a wildcard bind this machine's addresses and
	// name) and AllowedHosts (".example.test" matches subdomains, "*"
	// all). If empty, loopback names only.
	BindAddr     string
	AllowedHosts []string
	// StaticDir, if set, is the absolute path of a directory served under
	// StaticPrefix (if empty, "/").
	StaticDir, StaticPrefix string
	// ReadyTimeout bounds how long a request waits for the app to be
	// ready. If zero, 30s.
	ReadyTimeout time.Duration
	// ConfigName names the config file in messages ("devserver.yaml").
	ConfigName string
	// Hidden are files never served as static files, whatever name a
	// request reaches them by: the config file and overlay devserver
	// loaded, which may be named anything (--config dev.yaml).
	Hidden []string
	// App is the app to proxy to. If nil, the server serves StaticDir
	// only, with directory listings.
	App Upstream
	// Routes send the requests under their prefixes elsewhere: to another
	// unit, or a server devserver does not run. Static files come first,
	// the app takes what no route takes.
	Routes []Route
	// Log receives the request log. If nil, requests are not logged.
	Log io.Writer
	// Color colours the request log by status.
	Color bool
	// Stamp, if set, starts each request line instead of Django's
	// "[21/Nov/2026 10:04:05] " (the human log's time and source column).
	Stamp func(time.Time) string
	// Root is the project's directory: an error page shows the lines of
	// its files that a failure's output points at. If "", none.
	Root string
	// Edit, if set, opens a file of Root at a line and column in the
	// developer's editor: the error page's "open in the editor" button.
	Edit func(path string, line, col int) error
	// Restart, if set, restarts a unit ("app", or a route's unit): the
	// error page's button for a crash that is not a code problem, on the
	// page of that unit.
	Restart func(unit string)
	// Logger receives what the server has to say beyond requests (a
	// refused button). If nil, it is dropped.
	Logger *slog.Logger
	// Records, if set, receives each request as a log record ("request",
	// with method, target, proto, status, bytes and took) instead of a
	// line in Log: for a log in JSON.
	Records *slog.Logger
	// LiveReload, if set, serves the live-reload stream and adds its
	// script to HTML pages. If nil, live reload is off.
	LiveReload *LiveReload
}

// Server is the front HTTP server's handler and what it holds open; Serve
// runs it on a listener.
type Server struct {
	handler http.Handler
	proxy   *proxy   // nil without an app
	routes  []routed // longest prefix first
	static  *static
	opts    Options
	buttons buttons
}

func (o *Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// failurePage is the page of unit's failure for r: with the buttons and
// their token where r may press them.
func (s *Server) failurePage(r *http.Request, unit, title, detail string) page {
	p := failurePage(title, detail, s.opts.Root)
	p.Unit = unit
	if s.buttons.refuse(r) == "" {
		s.offer(&p, unit)
		p.Token = s.buttons.token
	}
	return p
}

// setDefaults fills in what the zero values of o stand for.
func (o *Options) setDefaults() {
	if o.ConfigName == "" {
		o.ConfigName = "devserver.yaml"
	}
	if o.StaticPrefix == "" {
		o.StaticPrefix = "/"
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 30 * time.Second
	}
}

// canEdit reports whether the error page may offer to open a file of the
// project in the editor.
func (o *Options) canEdit() bool { return o.Edit != nil && o.Root != "" }

// New builds a Server. It fails if StaticDir cannot be opened.
func New(opts Options) (*Server, error) {
	opts.setDefaults()
	s := &Server{opts: opts}
	s.buttons = newButtons(opts.AllowedHosts)
	if opts.StaticDir != "" {
		st, err := newStatic(opts.StaticDir, opts.StaticPrefix, opts.Hidden, opts.App == nil)
		if err != nil {
			return nil, err
		}
		s.static = st
	}
	var p http.Handler
	if opts.App != nil {
		s.proxy = newProxy(opts.App, opts.ReadyTimeout, opts.LiveReload != nil)
		s.proxy.failure = s.failurePage
		p = s.proxy
	}
	s.routes = s.newRoutes(opts.Routes)
	route := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodConnect {
			writePlain(w, http.StatusMethodNotAllowed, "devserver is not a forward proxy\n")
			return
		}
		if strings.HasPrefix(r.URL.Path, reservedPrefix) {
			if opts.LiveReload != nil && r.URL.Path == liveReloadPath {
				opts.LiveReload.ServeHTTP(w, r)
				return
			}
			if opts.LiveReload != nil && r.URL.Path == browserErrorsPath {
				opts.LiveReload.serveErrors(w, r)
				return
			}
			if s.serveButton(w, r) {
				return
			}
			writePlain(w, http.StatusNotFound, "404 page not found ("+reservedPrefix+" is devserver's own)\n")
			return
		}
		if s.static != nil && s.static.serve(w, r) || s.serveRouted(w, r) {
			return
		}
		if p != nil {
			p.ServeHTTP(w, r)
			return
		}
		writePlain(w, http.StatusNotFound, "404 page not found\n")
	}))
	if opts.LiveReload != nil {
		route = opts.LiveReload.inject(route)
	}
	h := newHostCheck(opts.BindAddr, opts.AllowedHosts).wrap(route, opts.ConfigName)
	if opts.Log != nil || opts.Records != nil {
		h = (&requestLog{w: opts.Log, color: opts.Color, stamp: opts.Stamp, records: opts.Records, now: time.Now}).wrap(h)
	}
	s.handler = h
	return s, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close releases the static directory and the proxy's connections to the
// app. The handler must not be used after.
func (s *Server) Close() error {
	if s.proxy != nil {
		s.proxy.close()
	}
	for _, rt := range s.routes {
		rt.proxy.close()
	}
	if s.static != nil {
		return s.static.Close()
	}
	return nil
}

// ServeOptions configure Serve.
type ServeOptions struct {
	// CertFile and KeyFile, when set, serve HTTPS (HTTP/2 included) with
	// that certificate.
	CertFile, KeyFile string
	// ReadHeaderTimeout bounds how long a client may take to send its
	// headers. If zero, 10s.
	ReadHeaderTimeout time.Duration
	// Logger receives the HTTP server's own errors at debug level. If nil,
	// they are dropped.
	Logger *slog.Logger
}

// Serve answers requests on ln with h until ctx ends, then shuts down,
// giving requests under way a few seconds to finish. It closes ln. There is
// no write timeout: it would cut streams and requests held while the app
// restarts.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, opts ServeOptions) error {
	rht := opts.ReadHeaderTimeout
	if rht == 0 {
		rht = 10 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Long streams (live reload) end when shutdown starts rather than hold
	// it up: they watch this channel, which the request contexts carry.
	closing := make(chan struct{})
	srv := &http.Server{
		Handler: h,
		BaseContext: func(net.Listener) context.Context {
			return context.WithValue(context.Background(), closingKey{}, closing)
		},
		ReadHeaderTimeout: rht,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	srv.RegisterOnShutdown(func() { close(closing) })
	ln = &acceptWarner{Listener: ln, log: log}
	errc := make(chan error, 1)
	go func() {
		if opts.CertFile != "" {
			errc <- srv.ServeTLS(ln, opts.CertFile, opts.KeyFile)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
