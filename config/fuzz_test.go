package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader as a YAML and as a TOML
// config file. Whatever the bytes, Load returns (no panic, no hang: the
// fuzzer's own deadline catches those), and a refusal is a list of
// *Error values that name the file, as every config error must.
// `make fuzz` runs it for a few seconds; `go test` runs the seeds.
func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob("../examples/*/devserver.*")
	for _, p := range append(paths, "../devserver.yaml") {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, strings.HasSuffix(p, ".toml"))
		}
	}
	for _, seed := range []string{
		aliasBomb(30),
		"a: &a [1, 2]\nb: [*a, *a]\nwatch: {globs: *a}\n",
		"\xEF\xBB\xBFport: 8000\n",
		"profiles:\n  lan:\n    extends: ci\n  ci:\n    extends: lan\n",
		"port: 80a\nwatch:\n  intreval: 1s\n",
		"a: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n",
	} {
		f.Add([]byte(seed), false)
	}
	for _, seed := range []string{
		"\xEF\xBB\xBFport = 9001\n",
		strings.Repeat("a.", 40) + "b = 1\n",
		"[profiles.lan]\naddr = \"0.0.0.0\"\n[app.env]\nKEY = \"v\"\n",
		"a = " + strings.Repeat("{b = ", 30) + "1" + strings.Repeat("}", 30) + "\n",
	} {
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, isTOML bool) {
		name := "devserver.yaml"
		if isTOML {
			name = "devserver.toml"
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(Options{Dir: dir, Environ: []string{}})
		if err == nil {
			return
		}
		var list ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("Load = %#v, want a config.ErrorList", err)
		}
		for _, e := range list {
			if e.File != name && e.File != "" {
				t.Errorf("error names %q, not the file: %v", e.File, e)
			}
			if e.Msg == "" {
				t.Errorf("error without a message: %#v", e)
			}
		}
	})
}
