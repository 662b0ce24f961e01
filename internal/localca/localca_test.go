package localca

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	root, state := t.TempDir(), t.TempDir()
	dir := filepath.Join(root, ".devserver", "tls")
	now := time.Now()
	hosts := []string{"localhost", "127.0.0.1", "::1", "192.168.1.5", "devbox.local", "example.com", "8.8.8.8"}
	lc, err := Ensure(Options{Root: root, State: state, Hosts: hosts, Now: now})
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
		if runtime.GOOS == "windows" {
			break // no Unix modes: the user profile's access list guards the keys
		}
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
	again, err := Ensure(Options{Root: root, State: state, Hosts: hosts, Now: now.Add(time.Hour)})
	if err != nil || again.NewCA || again.NewCert {
		t.Errorf("same hosts: NewCA %v NewCert %v err %v", again.NewCA, again.NewCert, err)
	}
	if b, _ := os.ReadFile(lc.Cert); !bytes.Equal(b, certPEM) {
		t.Error("certificate rewritten for the same hosts")
	}

	moved, err := Ensure(Options{Root: root, State: state, Hosts: append(hosts, "10.0.0.7"), Now: now})
	if err != nil || moved.NewCA || !moved.NewCert {
		t.Errorf("new address: NewCA %v NewCert %v err %v", moved.NewCA, moved.NewCert, err)
	}
	if err := verify(readCert(t, lc.Cert), ca, "10.0.0.7", now); err != nil {
		t.Errorf("10.0.0.7: %v", err)
	}

	later := now.Add(certValidity - 10*24*time.Hour)
	renewed, err := Ensure(Options{Root: root, State: state, Hosts: hosts, Now: later})
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
	fixed, err := Ensure(Options{Root: root, State: state, Hosts: hosts, Now: now})
	if err != nil || !fixed.NewCert {
		t.Errorf("mismatched key: %+v %v", fixed, err)
	}
}

// TestLocalCAVouchesForWebServersOnly: the CA's own key, were it to leak
// from a project directory, can sign nothing a trusting machine would take
// for anything but a local web server: an S/MIME certificate for a real
// mailbox, a code-signing or a client certificate are all refused. A CA
// made before these limits existed is made again.
func TestLocalCAVouchesForWebServersOnly(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	dir := filepath.Join(root, ".devserver", "tls")
	now := time.Now()
	lc, err := Ensure(Options{Root: root, State: state, Hosts: []string{"localhost"}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ca := readCert(t, lc.CA)
	caKeyPEM, _ := os.ReadFile(filepath.Join(dir, "ca-key.pem"))
	block, _ := pem.Decode(caKeyPEM)
	caKey, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	forge := func(tmpl *x509.Certificate) *x509.Certificate {
		t.Helper()
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl.SerialNumber, tmpl.NotBefore, tmpl.NotAfter = serial(), now.Add(-time.Hour), now.Add(time.Hour)
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	u, _ := url.Parse("https://bank.example.com/")
	openssl, _ := exec.LookPath("openssl")
	for name, tc := range map[string]struct {
		cert  *x509.Certificate
		usage x509.ExtKeyUsage
	}{
		"S/MIME for ceo@bank.example.com": {forge(&x509.Certificate{EmailAddresses: []string{"ceo@bank.example.com"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}), x509.ExtKeyUsageEmailProtection},
		"S/MIME for a local mailbox": {forge(&x509.Certificate{EmailAddresses: []string{"dev@localhost"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}), x509.ExtKeyUsageEmailProtection},
		"code signing": {forge(&x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}),
			x509.ExtKeyUsageCodeSigning},
		"client auth": {forge(&x509.Certificate{DNSNames: []string{"localhost"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}), x509.ExtKeyUsageClientAuth},
		"a URI name": {forge(&x509.Certificate{URIs: []*url.URL{u},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}), x509.ExtKeyUsageServerAuth},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tc.cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{tc.usage}}); err == nil {
				t.Error("the CA vouched for it")
			}
			// OpenSSL, which most Linux tools verify with, agrees.
			purpose := map[x509.ExtKeyUsage]string{x509.ExtKeyUsageEmailProtection: "smimesign",
				x509.ExtKeyUsageClientAuth: "sslclient", x509.ExtKeyUsageServerAuth: "sslserver"}[tc.usage]
			if openssl == "" || purpose == "" {
				return
			}
			f := filepath.Join(t.TempDir(), "forged.pem")
			os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tc.cert.Raw}), 0o644)
			out, err := exec.Command(openssl, "verify", "-CAfile", lc.CA, "-purpose", purpose, f).CombinedOutput()
			if err == nil {
				t.Errorf("openssl verify -purpose %s accepted it:\n%s", purpose, out)
			}
		})
	}
	if openssl == "" {
		t.Log("no openssl on PATH: checked with Go's verifier only")
	} else if out, err := exec.Command(openssl, "verify", "-CAfile", lc.CA, "-purpose", "sslserver", lc.Cert).CombinedOutput(); err != nil {
		t.Errorf("openssl refuses the server certificate: %v\n%s", err, out)
	}
	// What it is for still works.
	if err := verify(readCert(t, lc.Cert), ca, "localhost", now); err != nil {
		t.Errorf("localhost: %v", err)
	}

	// A CA of the kind made before: name constraints for DNS and IP only.
	old := *ca
	old.PermittedEmailAddresses, old.PermittedURIDomains, old.ExtKeyUsage = nil, nil, nil
	der, err := x509.CreateCertificate(rand.Reader, &old, &old, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	oldCA, _ := x509.ParseCertificate(der)
	if err := writePair(lc.CA, filepath.Join(dir, "ca-key.pem"), oldCA, caKey); err != nil {
		t.Fatal(err)
	}
	again, err := Ensure(Options{Root: root, State: state, Hosts: []string{"localhost"}, Now: now})
	if err != nil || !again.NewCA || !exact(readCert(t, again.CA)) {
		t.Errorf("an unlimited CA was kept: NewCA %v, err %v", again.NewCA, err)
	}
}
