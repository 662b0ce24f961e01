//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devserver/devserver/internal/localca"
)

// TestTrustPrintsHow: trust --print makes the local CA when there is none
// and prints this system's commands, running none.
func TestTrustPrintsHow(t *testing.T) {
	t.Parallel()
	dir, home := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte("tls: auto\n"), 0o644)
	env := []string{"HOME=" + home}
	out, stderr, code := runIn(t, dir, env, "trust", "--print")
	install := filepath.Join(home, ".local", "state", "devserver", "ca-")
	if !localca.Have("update-ca-certificates") && !localca.Have("update-ca-trust") && !localca.Have("trust") {
		// A system with no tool for its store: said, with the file to add.
		if code != exitFailure || !strings.Contains(stderr, "add "+install) {
			t.Errorf("trust --print with no CA tool: exit %d\n%s%s", code, out, stderr)
		}
		return
	}
	if code != 0 || !strings.HasPrefix(out, "local CA: .devserver/tls/ca.pem (made just now)\n") || !strings.Contains(out, "  $ ") {
		t.Fatalf("trust --print: exit %d\n%s%s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ".devserver", "tls", "ca.pem")); err != nil {
		t.Error("no CA made")
	}
	// Before any command, what is trusted: its fingerprint, what it may
	// sign, and the copy outside the project that the commands install.
	for _, want := range []string{"\n  SHA-256:  ", "\n  it signs: web server certificates (no CAs, mail, code or clients) for localhost, local,", "\n  trusting: " + install} {
		if !strings.Contains(out, want) {
			t.Errorf("trust --print does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, filepath.Join(dir, ".devserver")) {
		t.Errorf("a command names the project's own file, which the project can change:\n%s", out)
	}
	out, _, _ = runIn(t, dir, env, "trust", "--print")
	if !strings.HasPrefix(out, "local CA: .devserver/tls/ca.pem\n") {
		t.Errorf("the second time the CA is not the one made before:\n%s", out)
	}
	// Another user (or a clone of a repository that committed .devserver/tls)
	// never trusts that CA: a new one is made, and why is said.
	out, _, _ = runIn(t, dir, []string{"HOME=" + t.TempDir()}, "trust", "--print")
	if !strings.HasPrefix(out, "local CA: .devserver/tls/ca.pem (made just now)\n  made anew: the CA in .devserver/tls is not one devserver made for this user") {
		t.Errorf("another user's trust kept the CA:\n%s", out)
	}
}
