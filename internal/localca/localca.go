// Package localca keeps devserver's local certificate authority (for
// `tls: auto`): it makes the CA and the server certificates it signs, keeps
// only a CA this user's devserver made, and says how this OS comes to trust
// it (`devserver trust`). It does not serve TLS; the server does.
package localca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/devserver/devserver/internal/textfile"
)

// Dir is where the local CA and its certificate are kept, relative to the
// project root. Both of its levels must be real directories: a link there
// would make devserver write keys wherever it points.
const Dir = ".devserver/tls"

// Options say where a local CA is kept and what it is for.
type Options struct {
	// Root is the project root; the CA is kept in Root/.devserver/tls.
	Root string
	// State is the user's own devserver directory, outside every project
	// (StateDir). It remembers the fingerprint of each CA made (the file
	// "cas"), and holds the checked copy that trust installs.
	State string
	// Hosts are the names and addresses the server answers as.
	Hosts []string
	// Now is the time to check validity against.
	Now time.Time
}

// LocalCert is what Ensure leaves in the project's .devserver/tls.
type LocalCert struct {
	CA       string // the CA's certificate, in the project
	Install  string // the copy of it that trust installs, in Options.State
	Cert     string // the server's certificate, signed by the CA
	Key      string // its private key
	Hosts    []string
	NewCA    bool   // the CA was made just now (it needs trusting)
	Why      string // why the CA that was there was not kept ("" when there was none)
	NewCert  bool   // the server's certificate was made just now
	SHA256   string // the CA certificate's SHA-256 fingerprint, as AB:CD:…
	NotAfter time.Time
}

// localNames and localRanges are all a devserver CA may ever sign for: its
// certificate says so (X.509 name constraints), so that a trusted CA whose
// key leaked from a project directory cannot vouch for any public site.
var (
	localNames  = []string{"localhost", "local", "internal", "test", "home.arpa"}
	localRanges = prefixes("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
		"169.254.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10")
)

// Permits says what a devserver CA may sign, for a person.
func Permits() string {
	ranges := make([]string, len(localRanges))
	for i, r := range localRanges {
		ranges[i] = r.String()
	}
	return "web server certificates (no CAs, mail, code or clients) for " + strings.Join(localNames, ", ") +
		" and their subdomains, and the addresses " + strings.Join(ranges, ", ")
}

// noName is the one domain a devserver CA permits e-mail and URI names in:
// the reserved .invalid (RFC 2606), which no real name can be under.
const noName = "invalid"

func prefixes(cidrs ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

const (
	caValidity   = 10 * 365 * 24 * time.Hour
	certValidity = 397 * 24 * time.Hour // the most browsers accept
	renewBefore  = 30 * 24 * time.Hour
)

// Ensure keeps a local certificate authority and a server certificate it
// signed in the project's .devserver/tls, and returns their files.
//
// The CA is kept only while it is one this user's devserver made (its
// fingerprint is in Options.State), with exactly the limits a devserver CA
// has today, alone in its file: a CA that came with the project (committed,
// copied) is never served or trusted, whatever it says; a new one is made
// and LocalCert.Why says why. Trusting it once is enough, as it is kept.
// The server certificate is made again when it does not cover hosts (DNS
// names and IP addresses), was not signed by this CA, or expires within 30
// days. Hosts the CA may not sign for (public names and addresses) are left
// out, as no browser would accept them. Keys are ECDSA P-256 and readable
// by the owner only.
func Ensure(o Options) (LocalCert, error) {
	if o.State == "" {
		return LocalCert{}, errors.New("tls.auto: no directory of the user's own to remember the local CA in (HOME is not set)")
	}
	dir, err := realDir(o.Root, Dir)
	if err != nil {
		return LocalCert{}, fmt.Errorf("tls.auto: %w", err)
	}
	lc := LocalCert{
		CA:   filepath.Join(dir, "ca.pem"),
		Cert: filepath.Join(dir, "cert.pem"),
		Key:  filepath.Join(dir, "key.pem"),
	}
	for _, h := range o.Hosts {
		if h != "" && signable(h) && !slices.Contains(lc.Hosts, h) {
			lc.Hosts = append(lc.Hosts, h)
		}
	}
	ca, caKey, err := lc.keepCA(dir, o)
	if err != nil {
		return lc, fmt.Errorf("tls.auto: %w", err)
	}
	if lc.Install, err = installCopy(o.State, ca); err != nil {
		return lc, fmt.Errorf("tls.auto: %w", err)
	}
	if cert, _, err := loadPair(lc.Cert, lc.Key); err == nil && !lc.NewCA && covers(cert, ca, lc.Hosts, o.Now) {
		lc.NotAfter = cert.NotAfter
		return lc, nil
	}
	cert, key, err := newServerCert(ca, caKey, lc.Hosts, o.Now)
	if err != nil {
		return lc, fmt.Errorf("tls.auto: make a certificate: %w", err)
	}
	if err := writePair(lc.Cert, lc.Key, cert, key); err != nil {
		return lc, fmt.Errorf("tls.auto: %w", err)
	}
	lc.NewCert, lc.NotAfter = true, cert.NotAfter
	return lc, nil
}

// keepCA returns the CA in dir when it may be kept, or makes, writes and
// remembers a new one, saying in lc.Why what was wrong with the old.
func (lc *LocalCert) keepCA(dir string, o Options) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	caKeyFile := filepath.Join(dir, "ca-key.pem")
	ca, caKey, err := loadCA(lc.CA, caKeyFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		lc.Why = err.Error()
	case !made(o.State, ca):
		lc.Why = "the CA in " + Dir + " is not one devserver made for this user (a CA that came with a project is never trusted)"
	case !exact(ca):
		lc.Why = "the CA in " + Dir + " does not carry exactly the limits devserver gives its CAs"
	case o.Now.Add(renewBefore).After(ca.NotAfter):
		lc.Why = "the CA in " + Dir + " expires on " + ca.NotAfter.Format(time.DateOnly)
	default:
		lc.SHA256 = fingerprint(ca)
		return ca, caKey, nil
	}
	ca, caKey, err = newCA(o.Now)
	if err != nil {
		return nil, nil, fmt.Errorf("make a local CA: %w", err)
	}
	if err := remember(o.State, ca); err != nil {
		return nil, nil, err
	}
	if err := writePair(lc.CA, caKeyFile, ca, caKey); err != nil {
		return nil, nil, err
	}
	lc.NewCA, lc.SHA256 = true, fingerprint(ca)
	return ca, caKey, nil
}

// signable reports whether a devserver CA may sign for host.
func signable(host string) bool {
	if ip, err := netip.ParseAddr(host); err == nil {
		return slices.ContainsFunc(localRanges, func(r netip.Prefix) bool { return r.Contains(ip.WithZone("")) })
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return slices.ContainsFunc(localNames, func(n string) bool { return host == n || strings.HasSuffix(host, "."+n) })
}

func newCA(now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	var ranges []*net.IPNet
	for _, r := range localRanges {
		ranges = append(ranges, &net.IPNet{IP: r.Addr().AsSlice(), Mask: net.CIDRMask(r.Bits(), r.Addr().BitLen())})
	}
	tmpl := &x509.Certificate{
		SerialNumber:                serial(),
		Subject:                     pkix.Name{Organization: []string{"devserver local CA"}, CommonName: "devserver local CA " + host + " " + now.Format("2006-01-02")},
		NotBefore:                   now.Add(-time.Hour),
		NotAfter:                    now.Add(caValidity),
		KeyUsage:                    x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid:       true,
		IsCA:                        true,
		MaxPathLenZero:              true,
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         localNames,
		PermittedIPRanges:           ranges,
		// No mailbox or URI name but ones at the reserved .invalid: the
		// key cannot vouch for ceo@bank.example.com either.
		PermittedEmailAddresses: []string{noName},
		PermittedURIDomains:     []string{noName},
		// Web servers only: no S/MIME, code or client certificates.
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func newServerCert(ca *x509.Certificate, caKey *ecdsa.PrivateKey, hosts []string, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{Organization: []string{"devserver"}, CommonName: "devserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip, err := netip.ParseAddr(h); err == nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip.WithZone("").AsSlice())
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

// covers reports whether cert was signed by ca, is valid for every host,
// and stays valid for a while yet.
func covers(cert, ca *x509.Certificate, hosts []string, now time.Time) bool {
	if now.Add(renewBefore).After(cert.NotAfter) || cert.CheckSignatureFrom(ca) != nil {
		return false
	}
	for _, h := range hosts {
		if cert.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func loadPair(certFile, keyFile string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPEM, err := textfile.Read(certFile, maxPEM)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := textfile.Read(keyFile, maxPEM)
	if err != nil {
		return nil, nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, errors.New("not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, errors.New("key does not match certificate")
	}
	return cert, key, nil
}

// writePair writes the key first and the certificate last, each through a
// temporary file and a rename: a crash leaves the old pair or a mismatched
// one (made again next time), never a torn file.
func writePair(certFile, keyFile string, cert *x509.Certificate, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := textfile.WriteAtomic(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	return textfile.WriteAtomic(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
}
