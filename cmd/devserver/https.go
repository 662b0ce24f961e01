package main

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/server"
)

// tlsFiles are the certificate and key to serve HTTPS with; empty for HTTP.
type tlsFiles struct{ cert, key string }

// certificate returns tls.cert and tls.key, checked, or with tls.auto the
// files of a certificate from devserver's local CA, made or renewed as
// needed for the addresses the server answers on.
func (r *runner) certificate(l *config.Loaded) (tlsFiles, error) {
	cfg := l.Config
	if cfg.TLS.Cert != "" {
		files := tlsFiles{cfg.Abs(cfg.TLS.Cert), cfg.Abs(cfg.TLS.Key)}
		if _, err := tls.LoadX509KeyPair(files.cert, files.key); err != nil {
			return tlsFiles{}, fmt.Errorf("tls.cert and tls.key: %w", err)
		}
		return files, nil
	}
	lc, err := server.EnsureLocalCert(cfg.Abs(localCADir), certHosts(cfg.Addr), time.Now())
	if err != nil {
		return tlsFiles{}, err
	}
	ca := l.Name(lc.CA)
	switch {
	case lc.NewCA:
		r.log.Warn("made a local CA for HTTPS; browsers warn about the certificate until you trust it once (see README, HTTPS)", "ca", ca)
	case lc.NewCert:
		r.log.Info("made an HTTPS certificate", "hosts", strings.Join(lc.Hosts, ", "), "ca", ca)
	}
	return tlsFiles{lc.Cert, lc.Key}, nil
}

// localCADir is where tls.auto keeps its CA and certificate.
const localCADir = ".devserver/tls"

// certHosts are the names an automatic certificate is for: localhost and
// loopback always, the bind address, and for a wildcard bind every address
// of this machine and its host name.
func certHosts(addr string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	ip, err := netip.ParseAddr(addr)
	if err != nil || !ip.IsUnspecified() {
		return append(hosts, addr)
	}
	hosts = append(hosts, lanAddrs(false)...)
	hosts = append(hosts, lanAddrs(true)...)
	if name, err := os.Hostname(); err == nil && name != "" {
		hosts = append(hosts, name+".local")
	}
	return hosts
}
