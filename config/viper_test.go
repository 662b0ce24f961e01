package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-viper/mapstructure/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/spf13/viper"
)

// TestViperAgrees feeds the same layers to viper's own machinery (defaults,
// MergeConfigMap for the base and the profile chain, BindEnv for every key,
// Unmarshal) and expects the Config that Load builds, but for app.env, whose
// names viper lowercases — the reason Load reads that map itself.
func TestViperAgrees(t *testing.T) {
	dir := write(t, map[string]string{"devserver.yaml": `
port: 8001
addr: 127.0.0.1
app:
  run: ./web
  env:
    DATABASE_URL: postgres://localhost/dev
watch:
  globs: ["**/*.go"]
  interval: 250ms
processes:
  worker:
    run: python worker.py
    watch: ["worker/**"]
profiles:
  lan:
    addr: 0.0.0.0
    queue_size: 64
    watch:
      ignore: [dist]
  ci:
    extends: lan
    watch:
      enabled: false
`})
	env := map[string]string{"DEVSERVER_PORT": "9100", "DEVSERVER_WATCH_DEBOUNCE": "1s", "DEVSERVER_ALLOWED_HOSTS": "a.test,b.test"}
	var environ []string
	for k, v := range env {
		t.Setenv(k, v) // viper reads the process environment
		environ = append(environ, k+"="+v)
	}
	ours := mustLoad(t, Options{Dir: dir, Environ: environ, Flags: map[string]string{"profile": "ci"}}).Config

	file := viper.New()
	file.SetConfigFile(filepath.Join(dir, "devserver.yaml"))
	if err := file.ReadInConfig(); err != nil {
		t.Fatal(err)
	}
	all := file.AllSettings()
	profs := all["profiles"].(map[string]any)
	delete(all, "profiles")

	v := viper.New()
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	for _, k := range keysFor([]string{"worker"}) {
		v.SetDefault(k.Name, plainValue(k.Default))
		if err := v.BindEnv(k.Name, k.Env()); err != nil {
			t.Fatal(err)
		}
	}
	for _, layer := range []map[string]any{all, profs["lan"].(map[string]any), profs["ci"].(map[string]any)} {
		delete(layer, "extends")
		if err := v.MergeConfigMap(layer); err != nil {
			t.Fatal(err)
		}
	}
	var theirs Config
	if err := v.Unmarshal(&theirs, func(dc *mapstructure.DecoderConfig) { dc.TagName = "key" }); err != nil {
		t.Fatal(err)
	}
	if _, lowered := theirs.App.Env["database_url"]; !lowered {
		t.Errorf("viper kept the case of app.env (%v); Load could read it through viper", theirs.App.Env)
	}
	theirs.App.Env = ours.App.Env
	theirs.Root, theirs.Profile = ours.Root, ours.Profile
	if diff := cmp.Diff(&theirs, ours); diff != "" {
		t.Errorf("viper (-) and Load (+) disagree:\n%s", diff)
	}
}
