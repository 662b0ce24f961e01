package localca

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// commitCA writes a CA and its key where a project keeps them, as a
// repository that commits .devserver/tls would.
func commitCA(t *testing.T, root string, ca *x509.Certificate, key *ecdsa.PrivateKey, extra ...[]byte) {
	t.Helper()
	dir := filepath.Join(root, ".devserver", "tls")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writePair(filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem"), ca, key); err != nil {
		t.Fatal(err)
	}
	for _, b := range extra {
		f, _ := os.OpenFile(filepath.Join(dir, "ca.pem"), os.O_APPEND|os.O_WRONLY, 0)
		f.Write(b)
		f.Close()
	}
}

// wideCA is a CA shaped like devserver's but permitted public names and
// every address: what an attacker would commit.
func wideCA(t *testing.T, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, all, _ := net.ParseCIDR("0.0.0.0/0")
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "devserver local CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
		PermittedDNSDomainsCritical: true, PermittedDNSDomains: []string{"com", "org"},
		PermittedIPRanges:       []*net.IPNet{all},
		PermittedEmailAddresses: []string{noName}, PermittedURIDomains: []string{noName},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	return ca, key
}

// TestACAThatCameWithTheProjectIsNeverKept: whatever a project brings in
// .devserver/tls (a CA that permits public names, a CA of devserver's exact
// shape made by someone else, the user's own CA with a second root appended)
// is replaced by a CA made here, with the reason said; the file trust
// installs holds that one certificate only, outside the project.
func TestACAThatCameWithTheProjectIsNeverKept(t *testing.T) {
	now := time.Now()
	ownRoot, state := t.TempDir(), t.TempDir()
	own, err := Ensure(Options{Root: ownRoot, State: state, Hosts: []string{"localhost"}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ownCA := readCert(t, own.CA)
	wide, wideKey := wideCA(t, now)
	for _, c := range []struct {
		name  string
		setup func(root string)
		why   string
	}{
		{"a CA that permits public names", func(root string) { commitCA(t, root, wide, wideKey) }, "not one devserver made for this user"},
		{"devserver's shape, made by another user", func(root string) {
			ca, key, _ := newCA(now)
			commitCA(t, root, ca, key)
		}, "not one devserver made for this user"},
		{"the user's own CA with a second root appended", func(root string) {
			_, ownKey, err := loadPair(own.CA, filepath.Join(filepath.Dir(own.CA), "ca-key.pem"))
			if err != nil {
				t.Fatal(err)
			}
			commitCA(t, root, ownCA, ownKey, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: wide.Raw}))
		}, "more than one PEM block"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			c.setup(root)
			lc, err := Ensure(Options{Root: root, State: state, Hosts: []string{"localhost"}, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if !lc.NewCA || !strings.Contains(lc.Why, c.why) {
				t.Errorf("NewCA %v, why %q; want a new CA because %q", lc.NewCA, lc.Why, c.why)
			}
			got := readCert(t, lc.CA)
			if !exact(got) || got.Equal(wide) || got.Equal(ownCA) {
				t.Error("the CA kept is not a new one of devserver's")
			}
			data, _ := os.ReadFile(lc.Install)
			block, rest := pem.Decode(data)
			if block == nil || len(bytes.TrimSpace(rest)) > 0 || !bytes.Equal(block.Bytes, got.Raw) {
				t.Errorf("%s is not the one new certificate:\n%s", lc.Install, data)
			}
			if !strings.HasPrefix(lc.Install, state) {
				t.Errorf("trust would install %s, inside the project", lc.Install)
			}
			again, _ := Ensure(Options{Root: root, State: state, Hosts: []string{"localhost"}, Now: now})
			if again.NewCA || again.SHA256 != lc.SHA256 {
				t.Errorf("the CA made for this user was not kept: %+v", again)
			}
		})
	}
}

// TestKeysAreKeptInRealDirectories: a link at .devserver or at
// .devserver/tls is refused, naming it, and nothing is written where it
// points.
func TestKeysAreKeptInRealDirectories(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	for _, link := range []string{".devserver", ".devserver/tls"} {
		t.Run(link, func(t *testing.T) {
			root, elsewhere := t.TempDir(), t.TempDir()
			path := filepath.Join(root, filepath.FromSlash(link))
			testkit.WriteFile(t, filepath.Join(root, ".devserver", "keep"), "")
			os.RemoveAll(path)
			if err := os.Symlink(elsewhere, path); err != nil {
				t.Fatal(err)
			}
			_, err := Ensure(Options{Root: root, State: t.TempDir(), Hosts: []string{"localhost"}, Now: time.Now()})
			if err == nil || !strings.Contains(err.Error(), path+" is a symbolic link") {
				t.Errorf("err %v; want the link named", err)
			}
			if left, _ := os.ReadDir(elsewhere); len(left) != 0 {
				t.Errorf("wrote %d entries where the link points", len(left))
			}
		})
	}
}

func TestStateDir(t *testing.T) {
	for _, c := range []struct {
		goos string
		env  []string
		want string
	}{
		{"linux", []string{"HOME=/home/u"}, "/home/u/.local/state/devserver"},
		{"linux", []string{"HOME=/home/u", "XDG_STATE_HOME=/x"}, "/x/devserver"},
		{"linux", []string{"HOME=/home/u", "XDG_STATE_HOME=relative"}, "/home/u/.local/state/devserver"},
		{"darwin", []string{"HOME=/Users/u"}, "/Users/u/Library/Application Support/devserver"},
		{"linux", nil, ""},
		{"windows", []string{"LOCALAPPDATA=C:\\Users\\u\\AppData\\Local"}, "C:\\Users\\u\\AppData\\Local\\devserver"},
	} {
		if (runtime.GOOS == "windows") != (c.goos == "windows") {
			continue // paths are joined the host's way: each side checks its own
		}
		if got := StateDir(c.env, c.goos); got != filepath.FromSlash(c.want) && c.want != "" || c.want == "" && got != "" {
			t.Errorf("%s %v: %q, want %q", c.goos, c.env, got, c.want)
		}
	}
}
