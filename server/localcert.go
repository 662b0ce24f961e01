package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// LocalCert is what EnsureLocalCert leaves in its directory.
type LocalCert struct {
	CA       string // the CA's certificate: the file to trust once
	Cert     string // the server's certificate, signed by the CA
	Key      string // its private key
	Hosts    []string
	NewCA    bool // the CA was made just now (it needs trusting)
	NewCert  bool // the server's certificate was made just now
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

// noName is the one domain a devserver CA permits e-mail and URI names in:
// the reserved .invalid (RFC 2606), which no real name can be under.
const noName = "invalid"

// limited reports whether ca carries every limit newCA gives a CA today;
// a CA made before a limit existed is made again.
func limited(ca *x509.Certificate) bool {
	return len(ca.PermittedDNSDomains) > 0 && len(ca.PermittedIPRanges) > 0 &&
		slices.Equal(ca.PermittedEmailAddresses, []string{noName}) &&
		slices.Equal(ca.PermittedURIDomains, []string{noName}) &&
		slices.Equal(ca.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) &&
		ca.MaxPathLenZero
}

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

// EnsureLocalCert keeps a local certificate authority and a server
// certificate it signed in dir, and returns their files. The CA is made
// once and kept, so that trusting it once is enough (a CA made without the
// limits newCA sets today is made again); the server certificate
// is made again when it does not cover hosts (DNS names and IP addresses),
// was not signed by this CA, or expires within 30 days. Hosts the CA may
// not sign for (public names and addresses) are left out, as no browser
// would accept them. Keys are ECDSA P-256 and readable by the owner only.
func EnsureLocalCert(dir string, hosts []string, now time.Time) (LocalCert, error) {
	lc := LocalCert{
		CA:   filepath.Join(dir, "ca.pem"),
		Cert: filepath.Join(dir, "cert.pem"),
		Key:  filepath.Join(dir, "key.pem"),
	}
	for _, h := range hosts {
		if h != "" && signable(h) && !slices.Contains(lc.Hosts, h) {
			lc.Hosts = append(lc.Hosts, h)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return lc, fmt.Errorf("tls.auto: %w", err)
	}
	caKeyFile := filepath.Join(dir, "ca-key.pem")
	ca, caKey, err := loadPair(lc.CA, caKeyFile)
	if err != nil || now.Add(renewBefore).After(ca.NotAfter) || !limited(ca) {
		ca, caKey, err = newCA(now)
		if err != nil {
			return lc, fmt.Errorf("tls.auto: make a local CA: %w", err)
		}
		if err := writePair(lc.CA, caKeyFile, ca, caKey); err != nil {
			return lc, fmt.Errorf("tls.auto: %w", err)
		}
		lc.NewCA = true
	}
	if cert, _, err := loadPair(lc.Cert, lc.Key); err == nil && !lc.NewCA && covers(cert, ca, lc.Hosts, now) {
		lc.NotAfter = cert.NotAfter
		return lc, nil
	}
	cert, key, err := newServerCert(ca, caKey, lc.Hosts, now)
	if err != nil {
		return lc, fmt.Errorf("tls.auto: make a certificate: %w", err)
	}
	if err := writePair(lc.Cert, lc.Key, cert, key); err != nil {
		return lc, fmt.Errorf("tls.auto: %w", err)
	}
	lc.NewCert, lc.NotAfter = true, cert.NotAfter
	return lc, nil
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
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(keyFile)
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
	if err := writeAtomic(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	return writeAtomic(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
}

func writeAtomic(name string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
