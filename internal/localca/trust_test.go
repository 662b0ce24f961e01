package localca

import (
	"encoding/pem"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestStepsPerSystem: each system gets its store's commands, those that
// need an administrator marked so, and the CA named by its fingerprint.
func TestStepsPerSystem(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	testkit.WriteFile(t, ca, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not a real certificate")})))
	have := func(names ...string) func(string) bool {
		return func(n string) bool { return strings.Contains(" "+strings.Join(names, " ")+" ", " "+n+" ") }
	}
	for _, c := range []struct {
		goos  string
		have  func(string) bool
		want  []string
		admin []bool
	}{
		{"linux", have("update-ca-certificates", "certutil"), []string{
			"sudo cp " + ca + " /usr/local/share/ca-certificates/devserver-", "sudo update-ca-certificates",
			"certutil -d sql:/home/u/.pki/nssdb -A -t C,, -n devserver-"}, []bool{true, true, false}},
		{"linux", have("update-ca-trust"), []string{"sudo cp " + ca + " /etc/pki/ca-trust/source/anchors/devserver-", "sudo update-ca-trust"}, []bool{true, true}},
		{"darwin", have(), []string{"security add-trusted-cert -r trustRoot -k /home/u/Library/Keychains/login.keychain-db " + ca}, []bool{false}},
		{"windows", have(), []string{"certutil -addstore -user Root " + ca}, []bool{false}},
	} {
		if (runtime.GOOS == "windows") != (c.goos == "windows") {
			continue // paths are joined the host's way: each side checks its own
		}
		steps, err := Steps(c.goos, ca, "/home/u", c.have)
		if err != nil || len(steps) != len(c.want) {
			t.Errorf("%s: %v, %v", c.goos, steps, err)
			continue
		}
		for i, s := range steps {
			if !strings.HasPrefix(s.String(), c.want[i]) || s.Admin != c.admin[i] || s.What == "" {
				t.Errorf("%s step %d: %q (admin %v), want %q… (admin %v)", c.goos, i, s, s.Admin, c.want[i], c.admin[i])
			}
		}
	}
	if _, err := Steps("linux", ca, "/home/u", have()); err == nil {
		t.Error("a Linux with no CA tool got steps")
	}
}
