package session

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/localca"
	"github.com/devserver/devserver/internal/localnet"
	"github.com/devserver/devserver/server"
)

// front is the front server: the listener and what it serves. Each applied
// config brings a new server.Server, handed over by server.Handoff.
type front struct {
	log    *slog.Logger
	listen func(context.Context, server.ListenConfig) (net.Listener, error)

	ln      net.Listener // nil until the first bind, and while rebinding in place
	lc      server.ListenConfig
	certs   tlsFiles // what ln serves HTTPS with
	serving *task    // serving ln

	handoff server.Handoff // what ln serves: the current config's server, and the replaced ones until they drain
}

// open prepares a listener for lc, serving HTTPS with certs. When the new
// address needs the port the current listener holds (127.0.0.1:8000 →
// 0.0.0.0:8000 on Linux), it stops serving on the old address first; if
// the new one then cannot be had after all (another process took the port
// in the gap), the old address is bound and served again and the error
// returned, so the last good config keeps serving.
func (f *front) open(ctx context.Context, lc server.ListenConfig) (net.Listener, error) {
	ln, err := f.listen(ctx, lc)
	if err == nil || !errors.Is(err, syscall.EADDRINUSE) || f.ln == nil || lc.Port == 0 || lc.Port != f.lc.Port {
		return ln, err
	}
	f.serving.stop()
	old := f.lc
	f.serving, f.ln = nil, nil
	if ln, err = f.listen(ctx, lc); err == nil {
		return ln, nil
	}
	back, berr := f.listen(ctx, old)
	if berr != nil {
		return nil, fmt.Errorf("%w; the old address is lost too: %w (a config change will try again)", err, berr)
	}
	f.serve(back, old, f.certs)
	return nil, err
}

// serve answers on ln with the current handler, in place of the listener
// served so far.
func (f *front) serve(ln net.Listener, lc server.ListenConfig, certs tlsFiles) {
	prev := f.serving
	opts := server.ServeOptions{Logger: f.log, CertFile: certs.cert, KeyFile: certs.key}
	addr := ln.Addr().String()
	f.serving = start(context.Background(), f.log, "serving on "+addr, func(ctx context.Context) error {
		if err := server.Serve(ctx, ln, &f.handoff, opts); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
	f.ln, f.lc, f.certs = ln, lc, certs
	prev.stop()
}

// close stops serving and closes every server, waiting a few seconds at
// most for requests under way (a WebSocket may outlive its app briefly).
func (f *front) close() {
	f.serving.stop()
	f.serving = nil
	if !f.handoff.Close(5 * time.Second) {
		f.log.Warn("requests still under way at shutdown")
	}
}

// listenConfig is the listener cfg asks for.
func listenConfig(cfg *config.Config) server.ListenConfig {
	return server.ListenConfig{Addr: cfg.Addr, Port: cfg.Port, IPv6: cfg.IPv6, QueueSize: cfg.QueueSize}
}

// tlsFiles are the certificate and key to serve HTTPS with; empty for HTTP.
type tlsFiles struct{ cert, key string }

// certificate returns tls.cert and tls.key, checked, or with tls.auto the
// files of a certificate from devserver's local CA, made or renewed as
// needed for the names the server answers as.
func certificate(l *config.Loaded, environ []string, log *slog.Logger) (tlsFiles, error) {
	cfg := l.Config
	if cfg.TLS.Cert != "" {
		files := tlsFiles{cfg.Abs(cfg.TLS.Cert), cfg.Abs(cfg.TLS.Key)}
		if _, err := tls.LoadX509KeyPair(files.cert, files.key); err != nil {
			return tlsFiles{}, fmt.Errorf("tls.cert and tls.key: %w", err)
		}
		return files, nil
	}
	lc, err := localca.Ensure(localca.Options{Root: cfg.Root, State: localca.StateDir(environ, runtime.GOOS),
		Hosts: localnet.Names(cfg.Addr), Now: time.Now()})
	if err != nil {
		return tlsFiles{}, err
	}
	ca := l.Name(lc.CA)
	switch {
	case lc.NewCA && lc.Why != "":
		log.Warn("made a new local CA for HTTPS: "+lc.Why+"; browsers warn until it is trusted: run devserver trust", "ca", ca)
	case lc.NewCA:
		log.Warn("made a local CA for HTTPS; browsers warn about the certificate until it is trusted: run devserver trust", "ca", ca)
	case lc.NewCert:
		log.Info("made an HTTPS certificate", "hosts", strings.Join(lc.Hosts, ", "), "ca", ca)
	}
	return tlsFiles{lc.Cert, lc.Key}, nil
}
