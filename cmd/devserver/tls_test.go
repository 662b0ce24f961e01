//go:build unix

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// selfSigned writes a certificate for localhost and 127.0.0.1 and its key,
// and returns a pool that trusts it.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// httpsGuards checks over HTTPS that the key files are not served and that
// the Host check is on.
func httpsGuards(t *testing.T, client *http.Client, url string, secrets ...string) {
	t.Helper()
	status := func(req *http.Request) int {
		res, err := client.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", req.Method, req.URL, err)
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, p := range secrets {
		req, _ := http.NewRequest("GET", url+p, nil)
		if got := status(req); got != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, got)
		}
	}
	req, _ := http.NewRequest("GET", url, nil)
	req.Host = "attacker.example"
	if got := status(req); got != http.StatusBadRequest {
		t.Errorf("foreign Host over TLS: %d, want 400", got)
	}
}

// TestHTTPS serves with tls.cert and tls.key to a real TLS client: HTTP/2,
// the Host check still on, and the key never served as a file.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pool := selfSigned(t, dir)
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("over tls"), 0o644)
	os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte("port: 0\ntls:\n  cert: cert.pem\n  key: key.pem\n"), 0o644)
	d := startDevserver(t, dir, nil)
	if !strings.HasPrefix(d.URL, "https://127.0.0.1:") {
		t.Fatalf("banner URL %q", d.URL)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	res, err := client.Get(d.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "over tls" || res.ProtoMajor != 2 {
		t.Errorf("GET over TLS: %d %q %s", res.StatusCode, body, res.Proto)
	}
	httpsGuards(t, client, d.URL, "key.pem", "cert.pem")
}

func TestBadCertificateIsOneClearLine(t *testing.T) {
	t.Parallel()
	needBinary(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cert.pem"), []byte("not a certificate"), 0o644)
	os.WriteFile(filepath.Join(dir, "key.pem"), []byte("not a key"), 0o600)
	os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte("port: 0\ntls:\n  cert: cert.pem\n  key: key.pem\n"), 0o644)
	cmd := exec.Command(binary)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != exitFailure || !strings.Contains(string(out), "devserver: tls.cert and tls.key: ") {
		t.Errorf("exit %d:\n%s", cmd.ProcessState.ExitCode(), out)
	}
}

// TestHTTPSAuto: `tls: auto` serves HTTPS with a certificate from a local
// CA kept in .devserver/tls, which a client that trusts that CA accepts for
// localhost and loopback, over HTTP/2, with the Host check on. A second
// run keeps the CA (trusting it once is enough), and the CA's files are
// never served.
func TestHTTPSAuto(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("auto tls"), 0o644)
	os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte("port: 0\ntls: auto\n"), 0o644)
	home := []string{"HOME=" + t.TempDir()} // the user's own record of the CAs devserver made
	d := startDevserver(t, dir, home)
	if !strings.HasPrefix(d.URL, "https://127.0.0.1:") {
		t.Fatalf("banner URL %q; stderr:\n%s", d.URL, d.Stderr)
	}
	// The log line comes on stderr, read apart from the banner's stdout.
	testkit.WaitFor(t, 10*time.Second, "the local CA's log line", func() bool {
		return strings.Contains(d.Stderr.String(), "made a local CA for HTTPS")
	})
	caFile := filepath.Join(dir, ".devserver", "tls", "ca.pem")
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem holds no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	port := strings.TrimSuffix(strings.TrimPrefix(d.URL, "https://127.0.0.1:"), "/")
	for _, u := range []string{d.URL, "https://localhost:" + port + "/"} {
		res, err := client.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || string(body) != "auto tls" || res.ProtoMajor != 2 {
			t.Errorf("GET %s: %d %q %s", u, res.StatusCode, body, res.Proto)
		}
	}
	httpsGuards(t, client, d.URL, ".devserver/tls/ca.pem", ".devserver/tls/ca-key.pem", ".devserver/tls/key.pem")
	if code := interrupt(t, d); code != 0 {
		t.Fatalf("exit %d", code)
	}

	d = startDevserver(t, dir, home)
	if again, _ := os.ReadFile(caFile); string(again) != string(caPEM) || strings.Contains(d.Stderr.String(), "made a") {
		t.Errorf("second run made a new CA or certificate:\n%s", d.Stderr)
	}
	if res, err := client.Get(d.URL); err != nil {
		t.Errorf("second run: %v", err)
	} else {
		res.Body.Close()
	}
}
