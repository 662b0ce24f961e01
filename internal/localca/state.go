package localca

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devserver/devserver/internal/desktop/environ"
	"github.com/devserver/devserver/internal/textfile"
)

// maxPEM bounds what is read of a certificate or key file.
const maxPEM = 64 << 10

// StateDir is the user's own devserver directory for goos, from the
// environment env (KEY=VALUE pairs): %LocalAppData%\devserver on Windows,
// ~/Library/Application Support/devserver on macOS, and elsewhere
// $XDG_STATE_HOME/devserver or ~/.local/state/devserver. "" when the
// environment names no home.
func StateDir(env []string, goos string) string {
	home := environ.Get(env, "HOME")
	switch goos {
	case "windows":
		if d := environ.Get(env, "LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "devserver")
		}
		if p := environ.Get(env, "USERPROFILE"); p != "" {
			return filepath.Join(p, "AppData", "Local", "devserver")
		}
		return ""
	case "darwin", "ios":
		if home == "" {
			return ""
		}
		return filepath.Join(home, "Library", "Application Support", "devserver")
	}
	if d := environ.Get(env, "XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "devserver")
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".local", "state", "devserver")
}

// ledger is the file in the state directory that lists the SHA-256 of
// every CA devserver made for this user, one hex line each.
func ledger(state string) string { return filepath.Join(state, "cas") }

// made reports whether ca is one devserver made for this user.
func made(state string, ca *x509.Certificate) bool {
	data, err := textfile.Read(ledger(state), textfile.MaxConfig)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(ca.Raw)
	return slices.Contains(strings.Fields(string(data)), hex.EncodeToString(sum[:]))
}

// remember adds ca to the ledger.
func remember(state string, ca *x509.Certificate) error {
	if err := os.MkdirAll(state, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(ledger(state), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(ca.Raw)
	if _, err := fmt.Fprintln(f, hex.EncodeToString(sum[:])); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// installCopy writes the one certificate that was checked, and nothing
// else, to a file of the state directory named by its fingerprint: what
// trust installs, never the project's file, which the project could change
// between the check and the install.
func installCopy(state string, ca *x509.Certificate) (string, error) {
	sum := sha256.Sum256(ca.Raw)
	name := filepath.Join(state, "ca-"+hex.EncodeToString(sum[:6])+".pem")
	want := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})
	if have, err := textfile.Read(name, maxPEM); err == nil && bytes.Equal(have, want) {
		return name, nil
	}
	if err := os.MkdirAll(state, 0o700); err != nil {
		return "", err
	}
	return name, textfile.WriteAtomic(name, want, 0o644)
}

// fingerprint is the SHA-256 of a certificate as AB:CD:…, as browsers and
// the OS's stores show it.
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// realDir makes rel under root, each level a real directory (mode 0700 when
// made): a symbolic link at any level is refused, naming it and its target.
func realDir(root, rel string) (string, error) {
	dir := root
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		dir = filepath.Join(dir, part)
		st, err := os.Lstat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(dir, 0o700); err != nil {
				return "", err
			}
			continue
		case err != nil:
			return "", err
		case st.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(dir)
			return "", fmt.Errorf("%s is a symbolic link (to %q): devserver keeps its keys only in a real directory of the project; remove the link", dir, target)
		case !st.IsDir():
			return "", fmt.Errorf("%s is not a directory", dir)
		}
	}
	return dir, nil
}

// loadCA reads the CA's certificate, which must be alone in its file, and
// its key.
func loadCA(certFile, keyFile string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	data, err := textfile.Read(certFile, maxPEM)
	if err != nil {
		return nil, nil, err
	}
	block, rest := pem.Decode(data)
	switch {
	case block == nil:
		return nil, nil, fmt.Errorf("%s holds no PEM certificate", certFile)
	case len(bytes.TrimSpace(rest)) > 0:
		return nil, nil, fmt.Errorf("%s holds more than one PEM block; devserver writes one certificate there", certFile)
	}
	return loadPair(certFile, keyFile)
}

// exact reports whether ca carries exactly the limits newCA gives a CA:
// a CA of an older devserver, or one made to look like ours with a wider
// reach, is not kept.
func exact(ca *x509.Certificate) bool {
	key, ok := ca.PublicKey.(*ecdsa.PublicKey)
	ranges := make([]string, len(ca.PermittedIPRanges))
	for i, r := range ca.PermittedIPRanges {
		ranges[i] = r.String()
	}
	want := make([]string, len(localRanges))
	for i, r := range localRanges {
		want[i] = r.String()
	}
	return ok && key.Curve == elliptic.P256() && ca.CheckSignatureFrom(ca) == nil &&
		ca.IsCA && ca.BasicConstraintsValid && ca.MaxPathLenZero && ca.MaxPathLen == 0 &&
		ca.KeyUsage == x509.KeyUsageCertSign|x509.KeyUsageCRLSign &&
		slices.Equal(ca.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) && len(ca.UnknownExtKeyUsage) == 0 &&
		ca.PermittedDNSDomainsCritical && slices.Equal(ca.PermittedDNSDomains, localNames) &&
		slices.Equal(ranges, want) &&
		slices.Equal(ca.PermittedEmailAddresses, []string{noName}) &&
		slices.Equal(ca.PermittedURIDomains, []string{noName}) &&
		len(ca.ExcludedDNSDomains)+len(ca.ExcludedIPRanges)+len(ca.ExcludedEmailAddresses)+len(ca.ExcludedURIDomains) == 0
}
