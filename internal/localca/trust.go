package localca

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/devserver/devserver/internal/desktop/environ"
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

// Describe says what is about to be trusted: the CA's file (named by name),
// whether it was made just now and why, its SHA-256 fingerprint, what it
// may sign, and the copy that is installed.
func (lc LocalCert) Describe(w io.Writer, name func(string) string) {
	made := ""
	if lc.NewCA {
		made = " (made just now)"
	}
	fmt.Fprintf(w, "local CA: %s%s\n", name(lc.CA), made)
	if lc.Why != "" {
		fmt.Fprintf(w, "  made anew: %s\n", lc.Why)
	}
	fmt.Fprintf(w, "  SHA-256:  %s\n  it signs: %s\n  trusting: %s (the one certificate checked, copied out of the project)\n",
		lc.SHA256, Permits(), lc.Install)
}

// Apply runs the steps, writing what it does to w, or with printOnly (or
// for a step that needs an administrator when admin is false) prints them
// for a person to run; it ends with what is left to do.
func Apply(w io.Writer, steps []Step, printOnly, admin bool) error {
	left := 0
	for _, s := range steps {
		if printOnly || (s.Admin && !admin) {
			fmt.Fprintf(w, "  $ %s\n      to %s\n", s, s.What)
			left++
			continue
		}
		fmt.Fprintf(w, "running: %s\n", strings.Join(s.Argv, " "))
		c := exec.Command(s.Argv[0], s.Argv[1:]...)
		c.Stdout, c.Stderr = w, w
		if err := c.Run(); err != nil {
			return fmt.Errorf("%s: %w", s.Argv[0], err)
		}
	}
	switch {
	case left > 0 && !printOnly:
		fmt.Fprintln(w, "Run the commands above (they need an administrator), then restart the browser.")
	case left == 0:
		fmt.Fprintln(w, "Trusted. Restart the browser; Firefox keeps its own store: Settings › Privacy & Security › Certificates › Import.")
	}
	return nil
}

// TrustOptions say whose CA Trust makes trusted, and how.
type TrustOptions struct {
	Root      string              // the project root: the CA is in Root/.devserver/tls
	Hosts     []string            // the names its certificates are for
	Environ   []string            // KEY=VALUE: the state directory, HOME
	Name      func(string) string // how a path is shown
	PrintOnly bool                // print the commands, run none
}

// StepError is the failure of a step that would have trusted the CA (as
// opposed to one of making it): it says the step's own error.
type StepError struct{ Err error }

func (e *StepError) Error() string { return e.Err.Error() }
func (e *StepError) Unwrap() error { return e.Err }

// Trust makes the project's local CA if needed and makes this machine
// trust it, or prints the commands that would (`devserver trust`). It says
// first what is about to be trusted.
func Trust(w io.Writer, o TrustOptions) error {
	lc, err := Ensure(Options{Root: o.Root, State: StateDir(o.Environ, runtime.GOOS), Hosts: o.Hosts, Now: time.Now()})
	if err != nil {
		return err
	}
	lc.Describe(w, o.Name)
	home := environ.Get(o.Environ, "HOME")
	if runtime.GOOS == "windows" {
		home = environ.Get(o.Environ, "USERPROFILE")
	}
	steps, err := Steps(runtime.GOOS, lc.Install, home, Have)
	if err != nil {
		return err
	}
	if err := Apply(w, steps, o.PrintOnly, os.Geteuid() == 0); err != nil {
		return &StepError{err}
	}
	return nil
}
