package localca

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Step is one command of trusting a CA.
type Step struct {
	Argv  []string
	Admin bool   // it needs root (sudo) or an administrator
	What  string // what it does, for a person
}

// String is the step as a person types it.
func (s Step) String() string {
	line := make([]string, len(s.Argv))
	for i, a := range s.Argv {
		line[i] = a
		if strings.ContainsAny(a, " '\"") {
			line[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	if s.Admin {
		return "sudo " + strings.Join(line, " ")
	}
	return strings.Join(line, " ")
}

// Steps are the commands that make goos trust the CA in the PEM file ca,
// for home's user, given which commands this machine has: the system's
// store, and on Linux the browsers' own (NSS) store too.
func Steps(goos, ca, home string, have func(string) bool) ([]Step, error) {
	id, err := shortID(ca)
	if err != nil {
		return nil, err
	}
	name := "devserver-" + id
	switch goos {
	case "windows":
		return []Step{{Argv: []string{"certutil", "-addstore", "-user", "Root", ca}, What: "add it to your user's trusted roots"}}, nil
	case "darwin":
		return []Step{{Argv: []string{"security", "add-trusted-cert", "-r", "trustRoot", "-k", filepath.Join(home, "Library", "Keychains", "login.keychain-db"), ca},
			What: "trust it in your login keychain (macOS asks for your password)"}}, nil
	}
	var steps []Step
	switch {
	case have("update-ca-certificates"): // Debian, Ubuntu, Alpine
		steps = append(steps, Step{Argv: []string{"cp", ca, "/usr/local/share/ca-certificates/" + name + ".crt"}, Admin: true, What: "copy it to the system's CA directory"},
			Step{Argv: []string{"update-ca-certificates"}, Admin: true, What: "trust the system's CAs anew"})
	case have("update-ca-trust"): // Fedora, RHEL
		steps = append(steps, Step{Argv: []string{"cp", ca, "/etc/pki/ca-trust/source/anchors/" + name + ".crt"}, Admin: true, What: "copy it to the system's CA directory"},
			Step{Argv: []string{"update-ca-trust"}, Admin: true, What: "trust the system's CAs anew"})
	case have("trust"): // Arch (p11-kit)
		steps = append(steps, Step{Argv: []string{"trust", "anchor", ca}, Admin: true, What: "trust it system-wide"})
	case goos == "linux" || goos == "freebsd":
		return nil, fmt.Errorf("no update-ca-certificates, update-ca-trust or trust here: add %s to this system's trusted CAs by hand", ca)
	}
	if have("certutil") && (goos == "linux" || goos == "freebsd") {
		steps = append(steps, Step{Argv: []string{"certutil", "-d", "sql:" + filepath.Join(home, ".pki", "nssdb"), "-A", "-t", "C,,", "-n", name, "-i", ca},
			What: "trust it in Chrome's and Chromium's store"})
	}
	return steps, nil
}

// shortID is a short hash of the CA certificate in the PEM file, so
// that each project's CA has a name of its own in a shared store.
func shortID(ca string) (string, error) {
	data, err := os.ReadFile(ca)
	if err != nil {
		return "", err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return "", fmt.Errorf("%s holds no PEM certificate", ca)
	}
	sum := sha256.Sum256(block.Bytes)
	return hex.EncodeToString(sum[:4]), nil
}

// Have reports whether a command is on PATH.
func Have(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}
