package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/jsonschema-go/jsonschema"
	"github.com/pelletier/go-toml/v2"
	"go.yaml.in/yaml/v3"
)

// TestSchemaIsCurrent fails when docs/devserver.schema.json drifts from
// the key table.
func TestSchemaIsCurrent(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the schema is written on Unix (make docs), where app.stop_signal allows SIGUSR1 and SIGUSR2 too")
	}
	want, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../docs/devserver.schema.json")
	if err != nil {
		t.Fatalf("%v (run make docs)", err)
	}
	if diff := cmp.Diff(string(want)+"\n", string(got)); diff != "" {
		t.Errorf("docs/devserver.schema.json is out of date; run make docs (-want +got):\n%s", diff)
	}
}

// compiledSchema is Schema() resolved by a real JSON Schema (2020-12)
// validator: Google's, which the MCP SDK brings already.
func compiledSchema(t *testing.T) *jsonschema.Resolved {
	t.Helper()
	data, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var doc jsonschema.Schema
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	s, err := doc.Resolve(&jsonschema.ResolveOptions{BaseURI: SchemaURL, ValidateDefaults: true})
	if err != nil {
		t.Fatalf("the schema does not resolve: %v", err)
	}
	return s
}

// asJSON decodes a YAML or TOML config into what a JSON Schema validator
// takes: what encoding/json decodes (numbers as float64, maps keyed by
// strings).
func asJSON(t *testing.T, name string, data []byte) any {
	t.Helper()
	var v any
	var err error
	if strings.HasSuffix(name, ".toml") {
		err = toml.Unmarshal(data, &v)
	} else {
		err = yaml.Unmarshal(data, &v)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out any
	if err := json.Unmarshal(j, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemaValidatesTheConfigs: every example config, the repo's own and
// init's starters validate; configs with each kind of mistake do not.
func TestSchemaValidatesTheConfigs(t *testing.T) {
	s := compiledSchema(t)
	good, _ := filepath.Glob("../examples/*/devserver.*")
	good = append(good, "../devserver.yaml")
	for _, f := range good {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(asJSON(t, f, data)); err != nil {
			t.Errorf("%s does not validate: %v", f, err)
		}
	}
	for _, format := range []string{"yaml", "toml"} {
		data, err := starterFor(format, Project{Settings: map[string]any{"app.run": "go run .", "processes.css.run": "npx tailwindcss --watch"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(asJSON(t, "starter."+format, data)); err != nil {
			t.Errorf("init's %s starter does not validate: %v", format, err)
		}
	}
	for _, bad := range []string{
		"prot: 8000\n",                              // an unknown key
		"port: 70000\n",                             // out of range
		"watch: {interval: 500}\n",                  // a duration without a unit
		"app: {stop_signal: SIGSTOP}\n",             // not an allowed value
		"livereload: yes please\n",                  // not a boolean
		"processes: {Web: x}\n",                     // not a process name
		"processes: {web: {run: x, colour: red}}\n", // an unknown process key
		"profiles: {lan: {addr: 0.0.0.0, bogus: 1}}\n",
		"tls: manual\n",
	} {
		if err := s.Validate(asJSON(t, "bad.yaml", []byte(bad))); err == nil {
			t.Errorf("%q validates", bad)
		}
	}
}
