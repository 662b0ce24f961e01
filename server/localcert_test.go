package server

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func readCert(t *testing.T, file string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s: not PEM", file)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func verify(cert, ca *x509.Certificate, host string, now time.Time) error {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: host, CurrentTime: now})
	return err
}

// TestLocalCert: the CA is made once and kept; the certificate covers
// localhost, loopback and local addresses, and is made again only when the
// hosts change or it nears its end; public names are left out, and the CA
// itself cannot vouch for them (name constraints), so trusting it risks
// nothing beyond this machine's network.
func TestLocalCert(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".devserver", "tls")
	now := time.Now()
	hosts := []string{"localhost", "127.0.0.1", "::1", "192.168.1.5", "devbox.local", "example.com", "8.8.8.8"}
	lc, err := EnsureLocalCert(dir, hosts, now)
	if err != nil {
		t.Fatal(err)
	}
	if !lc.NewCA || !lc.NewCert {
		t.Errorf("first run: NewCA %v NewCert %v", lc.NewCA, lc.NewCert)
	}
	if want := hosts[:5]; !slices.Equal(lc.Hosts, want) {
		t.Errorf("hosts %v, want %v", lc.Hosts, want)
	}
	for _, f := range []string{lc.Key, filepath.Join(dir, "ca-key.pem")} {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", f, st.Mode(), err)
		}
	}
	ca, cert := readCert(t, lc.CA), readCert(t, lc.Cert)
	for _, h := range lc.Hosts {
		if err := verify(cert, ca, h, now); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}

	// A certificate for a public name, signed with the CA's own key, is
	// refused: the CA may sign for local names only.
	caKeyPEM, _ := os.ReadFile(filepath.Join(dir, "ca-key.pem"))
	block, _ := pem.Decode(caKeyPEM)
	caKey, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	forged, _, err := newServerCert(ca, caKey, []string{"example.com"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(forged, ca, "example.com", now); err == nil {
		t.Error("the CA vouched for example.com")
	}

	caPEM, _ := os.ReadFile(lc.CA)
	certPEM, _ := os.ReadFile(lc.Cert)
	again, err := EnsureLocalCert(dir, hosts, now.Add(time.Hour))
	if err != nil || again.NewCA || again.NewCert {
		t.Errorf("same hosts: NewCA %v NewCert %v err %v", again.NewCA, again.NewCert, err)
	}
	if b, _ := os.ReadFile(lc.Cert); !bytes.Equal(b, certPEM) {
		t.Error("certificate rewritten for the same hosts")
	}

	moved, err := EnsureLocalCert(dir, append(hosts, "10.0.0.7"), now)
	if err != nil || moved.NewCA || !moved.NewCert {
		t.Errorf("new address: NewCA %v NewCert %v err %v", moved.NewCA, moved.NewCert, err)
	}
	if err := verify(readCert(t, lc.Cert), ca, "10.0.0.7", now); err != nil {
		t.Errorf("10.0.0.7: %v", err)
	}

	later := now.Add(certValidity - 10*24*time.Hour)
	renewed, err := EnsureLocalCert(dir, hosts, later)
	if err != nil || renewed.NewCA || !renewed.NewCert || !renewed.NotAfter.After(later.Add(renewBefore)) {
		t.Errorf("near expiry: %+v %v", renewed, err)
	}
	if b, _ := os.ReadFile(lc.CA); !bytes.Equal(b, caPEM) {
		t.Error("CA changed: it would need trusting again")
	}

	// A broken or foreign pair is made again, never served.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(other)
	os.WriteFile(lc.Key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
	fixed, err := EnsureLocalCert(dir, hosts, now)
	if err != nil || !fixed.NewCert {
		t.Errorf("mismatched key: %+v %v", fixed, err)
	}
}
