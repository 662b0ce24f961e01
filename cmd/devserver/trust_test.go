//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devserver/devserver/internal/trust"
)

// TestTrustPrintsHow: trust --print makes the local CA when there is none
// and prints this system's commands, running none.
func TestTrustPrintsHow(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte("tls: auto\n"), 0o644)
	out, stderr, code := runIn(t, dir, []string{"HOME=/home/someone"}, "trust", "--print")
	if !trust.Have("update-ca-certificates") && !trust.Have("update-ca-trust") && !trust.Have("trust") {
		// A system with no tool for its store: said, with the file to add.
		if code != exitFailure || !strings.Contains(stderr, "add "+filepath.Join(dir, ".devserver", "tls", "ca.pem")) {
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
	out, _, _ = runIn(t, dir, []string{"HOME=/home/someone"}, "trust", "--print")
	if !strings.HasPrefix(out, "local CA: .devserver/tls/ca.pem\n") {
		t.Errorf("the second time the CA is not the one made before:\n%s", out)
	}
}
