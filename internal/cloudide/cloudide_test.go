package cloudide

import "testing"

// TestForwardedHosts: Codespaces and Gitpod are told by their variables,
// with the host each forwards a port under; a value that could not stand
// in a host name is no environment at all.
func TestForwardedHosts(t *testing.T) {
	for _, c := range []struct {
		name string
		env  []string
		want string // the host of port 8000, "" for none
	}{
		{"codespaces", []string{"CODESPACE_NAME=fluffy-space-x1", "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN=app.github.dev"}, "fluffy-space-x1-8000.app.github.dev"},
		{"gitpod", []string{"GITPOD_WORKSPACE_URL=https://ws-abc123.eu01.gitpod.io"}, "8000-ws-abc123.eu01.gitpod.io"},
		{"neither", []string{"HOME=/root"}, ""},
		{"codespaces without a domain", []string{"CODESPACE_NAME=x"}, ""},
		{"a name that is no host part", []string{"CODESPACE_NAME=evil/x", "GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN=app.github.dev"}, ""},
		{"gitpod over http", []string{"GITPOD_WORKSPACE_URL=http://ws.gitpod.io"}, ""},
	} {
		f, ok := Detect(c.env)
		if got := f.Host(8000); ok != (c.want != "") || ok && got != c.want {
			t.Errorf("%s: %v %q, want %q", c.name, ok, got, c.want)
		}
	}
	if Hint("x-8000.app.github.dev") == "" || Hint("8000-ws.gitpod.io") == "" || Hint("evil.example") != "" {
		t.Error("hints")
	}
}
