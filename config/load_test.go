package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
	"github.com/google/go-cmp/cmp"
)

// write creates files (name → content) under a new temp dir and returns it.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	testkit.WriteTree(t, dir, files)
	return dir
}

func mustLoad(t *testing.T, opts Options) *Loaded {
	t.Helper()
	l, err := Load(opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return l
}

func TestKeyTableMatchesConfig(t *testing.T) {
	seenEnv, seenFlag := map[string]bool{}, map[string]bool{}
	for _, k := range Keys() {
		f := field(reflect.ValueOf(&Config{}).Elem(), k.Name)
		if k.template() {
			f = field(reflect.ValueOf(&Process{}).Elem(), strings.TrimPrefix(k.Name, processTemplate))
		}
		if !f.IsValid() {
			t.Errorf("key %s has no Config field", k.Name)
			continue
		}
		if got, want := f.Type(), reflect.TypeOf(k.Default); got != want {
			t.Errorf("key %s: field type %v, default type %v", k.Name, got, want)
		}
		if k.Doc == "" {
			t.Errorf("key %s has no doc", k.Name)
		}
		if seenEnv[k.Env()] {
			t.Errorf("env %s used twice", k.Env())
		}
		seenEnv[k.Env()] = true
		if p := checkValue(k, k.Default); p != "" {
			t.Errorf("key %s: default fails its own check: %s", k.Name, p)
		}
	}
	for _, f := range Flags() {
		if seenFlag[f.Name] {
			t.Errorf("flag --%s defined twice", f.Name)
		}
		seenFlag[f.Name] = true
	}
	// Every tagged leaf field is a key.
	var walk func(t reflect.Type, prefix string)
	walk = func(typ reflect.Type, prefix string) {
		for i := range typ.NumField() {
			sf := typ.Field(i)
			tag := sf.Tag.Get("key")
			if tag == "-" {
				continue
			}
			switch {
			case sf.Type.Kind() == reflect.Struct:
				walk(sf.Type, prefix+tag+".")
				continue
			case sf.Type == reflect.TypeFor[map[string]Process]():
				walk(sf.Type.Elem(), prefix+tag+".*.")
				continue
			}
			if !slices.ContainsFunc(keys, func(k Key) bool { return k.Name == prefix+tag }) {
				t.Errorf("field %s (%s) is not in the key table", sf.Name, prefix+tag)
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
}

// sample returns a valid value for k that differs from its default; variant
// 0 and 1 give two different values.
func sample(k Key, variant int) any {
	switch k.Name {
	case "addr":
		return []string{"::1", "::3"}[variant]
	case "static.prefix":
		return []string{"/a/", "/b/"}[variant]
	}
	switch {
	case k.Name == "app.depends_on": // the one process; it depends on nothing, so no cycle
		return []string{"web-css"}
	case strings.HasSuffix(k.Name, ".depends_on"):
		return []string{}
	}
	if strings.HasSuffix(k.Name, ".ready_path") {
		return fmt.Sprintf("/ready%d", variant)
	}
	switch k.Kind {
	case KindString:
		return fmt.Sprintf("%s-%d", strings.ReplaceAll(k.Name, ".", "-"), variant)
	case KindInt:
		return k.Min + 1 + variant
	case KindBool:
		return variant == 1 != k.Default.(bool)
	case KindDuration:
		return time.Duration(variant+2) * time.Second
	case KindEnum:
		return k.Allowed[variant]
	case KindList:
		return []string{fmt.Sprintf("x%d.test", variant), "y.test"}
	case KindMap:
		return mapSample(k, map[string]string{"SHARED": fmt.Sprint(variant), fmt.Sprintf("ONLY_%d", variant): "v"})
	}
	panic("no sample for " + k.Name)
}

// mapSample is m as a value of the map key k: for routes, each name a path
// prefix and each value the URL of a server.
func mapSample(k Key, m map[string]string) map[string]string {
	if k.Name != "routes" {
		return m
	}
	out := map[string]string{}
	for name, v := range m {
		out[mapEntry(k, name)] = "http://127.0.0.1:90" + strings.ReplaceAll(v, "v", "9")
	}
	return out
}

// mapEntry is the entry called name in a sample of the map key k.
func mapEntry(k Key, name string) string {
	if k.Name == "routes" {
		return "/" + strings.ToLower(name)
	}
	return name
}

// envText writes a value the way an environment variable holds it.
func envText(v any) string {
	switch x := v.(type) {
	case []string:
		return strings.Join(x, ",")
	case map[string]string:
		var parts []string
		for n, v := range x {
			parts = append(parts, n+"="+v)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

// tableKeys is the key table with one process, whose name has a dash
// (an underscore in the environment).
var tableKeys = keysFor([]string{"web-css"})

// configWith builds a Config with every key set to sample(variant).
func configWith(variant int) *Config {
	c := &Config{}
	for _, k := range tableKeys {
		c.set(k.Name, sample(k, variant))
	}
	return c
}

// TestEveryKeyFromEnv walks the whole key table: each DEVSERVER_* variable
// overrides the file for its key, alone and all together.
func TestEveryKeyFromEnv(t *testing.T) {
	file, err := Marshal(configWith(0), "yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The lists' samples, as watch.paths, must exist.
	dir := write(t, map[string]string{"devserver.yaml": string(file), "x0.test/a": "", "x1.test/a": "", "y.test/a": ""})
	check := func(t *testing.T, l *Loaded, k Key) {
		t.Helper()
		want := sample(k, 1)
		if k.Kind == KindMap {
			// Maps merge: the file's ONLY_0 stays, the env's entries win.
			want = mapSample(k, map[string]string{"SHARED": "1", "ONLY_0": "v", "ONLY_1": "v"})
		}
		if diff := cmp.Diff(want, l.Config.Get(k.Name)); diff != "" {
			t.Errorf("%s from %s (-want +got):\n%s", k.Name, k.Env(), diff)
		}
		src := l.Origins[k.Name]
		if k.Kind == KindMap {
			src = l.Origins[k.Name+"."+mapEntry(k, "SHARED")]
		}
		if src.Layer != LayerEnv || src.Env != k.Env() {
			t.Errorf("%s: source %v, want env %s", k.Name, src, k.Env())
		}
	}
	var all []string
	for _, k := range tableKeys {
		v := k.Env() + "=" + envText(sample(k, 1))
		all = append(all, v)
		t.Run(k.Name, func(t *testing.T) {
			check(t, mustLoad(t, Options{Dir: dir, Environ: []string{v}}), k)
		})
	}
	t.Run("all at once", func(t *testing.T) {
		l := mustLoad(t, Options{Dir: dir, Environ: all})
		for _, k := range tableKeys {
			check(t, l, k)
		}
	})
}

// TestPrecedence sets one key in every pair of layers and checks that the
// higher layer wins, and says so in Origins.
func TestPrecedence(t *testing.T) {
	type layer struct {
		name  string
		apply func(files map[string]map[string]any, opts *Options, port int)
		want  Layer
	}
	section := func(files map[string]map[string]any, file, profile string) map[string]any {
		if files[file] == nil {
			files[file] = map[string]any{}
		}
		if profile == "" {
			return files[file]
		}
		ps, _ := files[file]["profiles"].(map[string]any)
		if ps == nil {
			ps = map[string]any{}
			files[file]["profiles"] = ps
		}
		p, _ := ps[profile].(map[string]any)
		if p == nil {
			p = map[string]any{}
			ps[profile] = p
		}
		return p
	}
	layers := []layer{
		{"default", func(map[string]map[string]any, *Options, int) {}, LayerDefault},
		{"file base", func(f map[string]map[string]any, _ *Options, p int) { section(f, "devserver.yaml", "")["port"] = p }, LayerFile},
		{"parent profile", func(f map[string]map[string]any, _ *Options, p int) { section(f, "devserver.yaml", "lan")["port"] = p }, LayerFile},
		{"chosen profile", func(f map[string]map[string]any, _ *Options, p int) { section(f, "devserver.yaml", "ci")["port"] = p }, LayerFile},
		{"overlay base", func(f map[string]map[string]any, _ *Options, p int) {
			section(f, "devserver.local.yaml", "")["port"] = p
		}, LayerOverlay},
		{"overlay profile", func(f map[string]map[string]any, _ *Options, p int) {
			section(f, "devserver.local.yaml", "ci")["port"] = p
		}, LayerOverlay},
		{"env", func(_ map[string]map[string]any, o *Options, p int) {
			o.Environ = append(o.Environ, fmt.Sprintf("DEVSERVER_PORT=%d", p))
		}, LayerEnv},
		{"flag", func(_ map[string]map[string]any, o *Options, p int) { o.Flags["port"] = fmt.Sprint(p) }, LayerFlag},
	}
	for i, lo := range layers {
		for j := i + 1; j < len(layers); j++ {
			hi := layers[j]
			t.Run(lo.name+" < "+hi.name, func(t *testing.T) {
				files := map[string]map[string]any{}
				// Both profiles always exist; ci extends lan and is chosen.
				section(files, "devserver.yaml", "lan")["description"] = "parent"
				section(files, "devserver.yaml", "ci")["extends"] = "lan"
				opts := Options{Flags: map[string]string{"profile": "ci"}}
				lo.apply(files, &opts, 1001)
				hi.apply(files, &opts, 1002)
				texts := map[string]string{}
				for name, tree := range files {
					texts[name] = yamlText(t, tree)
				}
				opts.Dir = write(t, texts)
				l := mustLoad(t, opts)
				if got := l.Config.Port; got != 1002 {
					t.Errorf("port = %d, want 1002 from %s", got, hi.name)
				}
				if got := l.Origins["port"].Layer; got != hi.want {
					t.Errorf("source %v, want layer %v", l.Origins["port"], hi.want)
				}
			})
		}
	}
}

func yamlText(t *testing.T, tree map[string]any) string {
	t.Helper()
	var b strings.Builder
	var emit func(m map[string]any, indent string)
	emit = func(m map[string]any, indent string) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				fmt.Fprintf(&b, "%s%s:\n", indent, k)
				emit(sub, indent+"  ")
				continue
			}
			fmt.Fprintf(&b, "%s%s: %v\n", indent, k, v)
		}
	}
	emit(tree, "")
	return b.String()
}

func TestMapsMergeKeyByKey(t *testing.T) {
	dir := write(t, map[string]string{
		"devserver.yaml":       "app:\n  env:\n    A: base\n    B: base\nprofiles:\n  p:\n    app:\n      env:\n        B: profile\n        C: profile\n",
		"devserver.local.yaml": "app:\n  env:\n    C: overlay\n",
	})
	l := mustLoad(t, Options{Dir: dir, Flags: map[string]string{"profile": "p"}, Environ: []string{"DEVSERVER_APP_ENV=D=env"}})
	want := map[string]string{"A": "base", "B": "profile", "C": "overlay", "D": "env"}
	if diff := cmp.Diff(want, l.Config.App.Env); diff != "" {
		t.Errorf("app.env (-want +got):\n%s", diff)
	}
	for name, layer := range map[string]Layer{"A": LayerFile, "B": LayerFile, "C": LayerOverlay, "D": LayerEnv} {
		if got := l.Origins["app.env."+name]; got.Layer != layer {
			t.Errorf("app.env.%s from %v, want layer %v", name, got, layer)
		}
	}
	if got := l.Origins["app.env.B"].Profile; got != "p" {
		t.Errorf("app.env.B profile %q, want p", got)
	}
}

func TestListsReplace(t *testing.T) {
	dir := write(t, map[string]string{
		"devserver.yaml": "watch:\n  globs: [a, b]\nprofiles:\n  p:\n    watch:\n      globs: [c]\n",
	})
	l := mustLoad(t, Options{Dir: dir, Flags: map[string]string{"profile": "p"}})
	if diff := cmp.Diff([]string{"c"}, l.Config.Watch.Globs); diff != "" {
		t.Errorf("globs (-want +got):\n%s", diff)
	}
}

// TestYAMLAndTOMLSameTree loads one config written in both formats, and the
// output of Marshal in every format, and expects the same Config each time.
func TestYAMLAndTOMLSameTree(t *testing.T) {
	want := configWith(1)
	for _, format := range []string{"yaml", "toml", "json"} {
		t.Run(format, func(t *testing.T) {
			out, err := Marshal(want, format)
			if err != nil {
				t.Fatal(err)
			}
			ext := format
			if format == "json" {
				// JSON is valid YAML: the json output loads as a YAML file.
				ext = "yaml"
			}
			dir := write(t, map[string]string{"devserver." + ext: string(out)})
			got := mustLoad(t, Options{Dir: dir}).Config
			w := *want
			w.Root = dir
			if diff := cmp.Diff(&w, got); diff != "" {
				t.Errorf("round trip through %s (-want +got):\n%s", format, diff)
			}
		})
	}
}

func TestStarterLoadsAsDefaults(t *testing.T) {
	for _, format := range []string{"yaml", "toml"} {
		t.Run(format, func(t *testing.T) {
			data, err := Starter(format)
			if err != nil {
				t.Fatal(err)
			}
			dir := write(t, map[string]string{"devserver." + format: string(data)})
			l := mustLoad(t, Options{Dir: dir})
			for _, k := range keys {
				if k.template() {
					continue // the example below
				}
				if got := l.Config.Get(k.Name); !equalValue(got, k.Default) && k.Kind != KindMap {
					t.Errorf("%s = %v, want the default %v", k.Name, got, k.Default)
				}
				if !strings.Contains(string(data), k.Doc) {
					t.Errorf("starter lacks the doc of %s", k.Name)
				}
			}
			if len(l.Profiles) != 1 || l.Profiles[0].Name != "lan" {
				t.Errorf("profiles = %+v, want lan", l.Profiles)
			}
			// The processes' example, uncommented, is a valid config.
			example := regexp.MustCompile(`(?m)^# (processes:|\[processes\])\n(#.*\n)*`).FindString(string(data))
			example = strings.ReplaceAll(strings.TrimSuffix(example, "\n"), "# ", "")
			exDir := write(t, map[string]string{"devserver." + format: example})
			procs := mustLoad(t, Options{Dir: exDir}).Config.Processes
			if procs["css"].Run == "" || procs["worker"].Run != "python worker.py" || procs["worker"].Watch[0] != "worker/**/*.py" {
				t.Errorf("the processes' example, uncommented, gives %+v from\n%s", procs, example)
			}
			lan := mustLoad(t, Options{Dir: dir, Flags: map[string]string{"profile": "lan"}})
			if lan.Config.Addr != "0.0.0.0" {
				t.Errorf("lan addr = %q", lan.Config.Addr)
			}
		})
	}
}

// TestRepoConfigsLoad loads the repo's own devserver.yaml and every example
// config, with every profile they declare.
func TestRepoConfigsLoad(t *testing.T) {
	paths, _ := filepath.Glob("../examples/*/devserver.*")
	paths = append(paths, "../devserver.yaml")
	if len(paths) < 3 {
		t.Fatalf("found only %v", paths)
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			l := mustLoad(t, Options{Dir: t.TempDir(), Flags: map[string]string{"config": mustAbs(t, p)}})
			for _, prof := range l.Profiles {
				mustLoad(t, Options{Dir: t.TempDir(), Flags: map[string]string{"config": mustAbs(t, p), "profile": prof.Name}})
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestErrorsCarryPositions(t *testing.T) {
	dir := write(t, map[string]string{"devserver.toml": "port = 8000\n[watch]\ninterval = \"5 sec\"\n"})
	_, err := Load(Options{Dir: dir})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *config.Error", err)
	}
	want := &Error{File: "devserver.toml", Line: 3, Col: 12, Key: "watch.interval",
		Msg: `"5 sec" is not a duration (use a number with a unit, e.g. "500ms" or "2s")`}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRejectsBinaryAndHugeFiles(t *testing.T) {
	for name, content := range map[string]string{
		"nul":  "port: 8000\x00\n",
		"huge": "# " + strings.Repeat("x", maxFileSize) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := write(t, map[string]string{"devserver.yaml": content})
			_, err := Load(Options{Dir: dir})
			var e *Error
			if !errors.As(err, &e) || e.File != "devserver.yaml" {
				t.Fatalf("got %v, want an error naming devserver.yaml", err)
			}
		})
	}
}

func TestParseAddrPort(t *testing.T) {
	tests := []struct {
		in      string
		want    AddrPort
		wantErr bool
	}{
		{in: "9000", want: AddrPort{Port: 9000}},
		{in: "0", want: AddrPort{Port: 0}},
		{in: "0.0.0.0:9000", want: AddrPort{Addr: "0.0.0.0", Port: 9000}},
		{in: "localhost:9000", want: AddrPort{Addr: "localhost", Port: 9000}},
		{in: "[::1]:9000", want: AddrPort{Addr: "::1", Port: 9000, IPv6: true}},
		{in: "[::]:8000", want: AddrPort{Addr: "::", Port: 8000, IPv6: true}},
		{in: "abc", wantErr: true},
		{in: "70000", wantErr: true},
		{in: ":9000", want: AddrPort{Port: 9000}},
		{in: "0:9000", want: AddrPort{Addr: "0.0.0.0", Port: 9000}},
		{in: "[::1]", wantErr: true},
		{in: ":", wantErr: true},
		{in: "0.0.0.0:", wantErr: true},
		{in: "[::1:9000", wantErr: true},
		{in: "[127.0.0.1]:9000", wantErr: true},
		{in: "bad host:9000", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseAddrPort(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseAddrPort(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("ParseAddrPort(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestAddrPortLayer(t *testing.T) {
	dir := write(t, map[string]string{"devserver.yaml": "addr: 127.0.0.1\nport: 8000\n"})
	l := mustLoad(t, Options{Dir: dir, AddrPort: "[::1]:9001"})
	c := l.Config
	if c.Addr != "::1" || c.Port != 9001 || !c.IPv6 {
		t.Errorf("got addr %q port %d ipv6 %v", c.Addr, c.Port, c.IPv6)
	}
	if got := l.Origins["port"].String(); got != `argument "[::1]:9001"` {
		t.Errorf("port source %q", got)
	}
	_, err := Load(Options{Dir: dir, AddrPort: "9001", Flags: map[string]string{"port": "9002"}})
	if err == nil || !strings.Contains(err.Error(), "give it once") {
		t.Errorf("port as ADDRPORT and --port: err = %v", err)
	}
}

func TestSplitList(t *testing.T) {
	tests := map[string][]string{
		"":                      {},
		"a":                     {"a"},
		" a , b ":               {"a", "b"},
		"**/*.{go,tmpl},*.css":  {"**/*.{go,tmpl}", "*.css"},
		"{a,{b,c}},d":           {"{a,{b,c}}", "d"},
		"src/**/*.{js,ts,tsx} ": {"src/**/*.{js,ts,tsx}"},
	}
	for in, want := range tests {
		if diff := cmp.Diff(want, splitList(in)); diff != "" {
			t.Errorf("splitList(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func TestWatchFiles(t *testing.T) {
	dir := write(t, map[string]string{"devserver.toml": "port = 1\n"})
	l := mustLoad(t, Options{Dir: filepath.Join(dir)})
	want := []string{
		filepath.Join(dir, "devserver.toml"),
		filepath.Join(dir, "devserver.local.yaml"),
		filepath.Join(dir, "devserver.local.yml"),
		filepath.Join(dir, "devserver.local.toml"),
	}
	if diff := cmp.Diff(want, l.WatchFiles()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDiff(t *testing.T) {
	a := configWith(0)
	b := configWith(0)
	if d := Diff(a, b); len(d) != 0 {
		t.Fatalf("equal configs differ: %v", d)
	}
	b.Port = 9999
	b.Watch.Globs = []string{"**/*.go"}
	b.App.Env = map[string]string{"SHARED": "0", "NEW": "x"}
	b.Profile = "lan"
	got := Diff(a, b)
	want := []Change{
		{Key: "profile", Old: `""`, New: "lan", Effect: EffectRestart},
		{Key: "port", Old: "1", New: "9999", Effect: EffectRebind},
		{Key: "app.env.NEW", Old: "(unset)", New: "x", Effect: EffectRestart},
		{Key: "app.env.ONLY_0", Old: "v", New: "(unset)", Effect: EffectRestart},
		{Key: "watch.globs", Old: `["x0.test", "y.test"]`, New: `["**/*.go"]`, Effect: EffectRewatch},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Diff (-want +got):\n%s", diff)
	}
	if s := got[1].String(); s != "port: 1 → 9999" {
		t.Errorf("Change.String() = %q", s)
	}
}

// TestReferenceIsCurrent fails when docs/CONFIG.md drifts from the key table.
func TestReferenceIsCurrent(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("docs/CONFIG.md is written on Unix (make docs), where app.stop_signal allows SIGUSR1 and SIGUSR2 too")
	}
	got, err := os.ReadFile("../docs/CONFIG.md")
	if err != nil {
		t.Fatalf("%v (run make docs)", err)
	}
	if diff := cmp.Diff(Reference(), string(got)); diff != "" {
		t.Errorf("docs/CONFIG.md is out of date; run make docs (-want +got):\n%s", diff)
	}
}
