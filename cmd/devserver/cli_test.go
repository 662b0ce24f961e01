package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/terminal/banner"
	"github.com/devserver/devserver/internal/terminal/qrterm"
	"github.com/devserver/devserver/reload/watch"
)

func runIn(t *testing.T, dir string, environ []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, runEnv{Dir: dir, Environ: environ, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), code
}

// Shell completion never loads the config in a hook, so a broken file cannot
// break it; completing --profile lists the profiles of a good file.
func TestCompletion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := "profiles:\n  lan:\n    description: on the LAN\n  ci:\n    extends: lan\n"
	if err := os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runIn(t, dir, nil, "__complete", "--profile", "")
	if code != 0 || !strings.Contains(out, "lan\ton the LAN") || !strings.Contains(out, "ci\textends lan") {
		t.Errorf("complete --profile: code %d, out %q, err %q", code, out, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "config", "--format", ""}, "yaml\ntoml\njson\n"},
		{[]string{"__complete", "init", "--format", ""}, "yaml\ntoml\n"},
		{[]string{"__complete", "help", "val"}, "validate\t"},
	} {
		if out, stderr, _ := runIn(t, dir, nil, c.args...); !strings.Contains(out, c.want) {
			t.Errorf("%v: %q (stderr %q), want %q in it", c.args, out, stderr, c.want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte("port: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"completion", "bash"}, {"__complete", "--profile", ""}, {"__complete", "conf"}, {"help"}} {
		out, stderr, code := runIn(t, dir, nil, args...)
		if code != 0 || out == "" {
			t.Errorf("%v with a broken config: code %d, stdout %d bytes, stderr %q", args, code, len(out), stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	out, _, code := runIn(t, t.TempDir(), nil, "version")
	if code != 0 || !strings.HasPrefix(out, "devserver ") {
		t.Errorf("version: code %d, %q", code, out)
	}
	out, _, code = runIn(t, t.TempDir(), nil, "--version")
	if code != 0 || !strings.HasPrefix(out, "devserver ") {
		t.Errorf("--version: code %d, %q", code, out)
	}
}

// TestFlagErrorsAreUsage: an unknown flag or a malformed bool is exit 2.
func TestFlagErrorsAreUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"config", "--nope"}, {"config", "--ipv6=maybe"}, {"validate", "extra"}} {
		_, stderr, code := runIn(t, t.TempDir(), nil, args...)
		if code != exitUsage || !strings.Contains(stderr, "devserver: ") {
			t.Errorf("%v: code %d, stderr %q", args, code, stderr)
		}
	}
}

// TestImportRules keeps the package graph as DESIGN.md draws it: only config
// imports viper, only cmd/devserver imports cobra and pflag, only
// reload/watch imports the watcher, and no package imports one above it
// (cmd → session → config, profiles → reload, reload/watch, server).
func TestImportRules(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/devserver/devserver/"
	owner := map[string]string{
		"github.com/spf13/viper":                     mod + "config",
		"github.com/spf13/cobra":                     mod + "cmd/devserver",
		"github.com/spf13/pflag":                     mod + "cmd/devserver",
		"github.com/radovskyb/watcher":               mod + "reload/watch",
		"github.com/modelcontextprotocol/go-sdk/mcp": mod + "control/mcpserver",
	}
	forbidden := map[string][]string{
		mod + "session":      {mod + "cmd/devserver"},
		mod + "config":       {mod + "session", mod + "reload", mod + "reload/watch", mod + "server", mod + "cmd/devserver"},
		mod + "profiles":     {mod + "config", mod + "session", mod + "reload", mod + "reload/watch", mod + "server", mod + "cmd/devserver"},
		mod + "reload":       {mod + "session", mod + "reload/watch", mod + "server", mod + "cmd/devserver"},
		mod + "reload/watch": {mod + "session", mod + "reload", mod + "server", mod + "cmd/devserver"},
		mod + "server":       {mod + "session", mod + "config", mod + "reload", mod + "reload/watch", mod + "cmd/devserver"},
		mod + "control":      {mod + "session", mod + "config", mod + "reload/watch", mod + "server", mod + "cmd/devserver"},
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
		for _, imp := range p.Imports {
			// The benchmark runs the bare library as its reference.
			benchReference := p.ImportPath == mod+"bench" && imp == "github.com/radovskyb/watcher"
			if o, ok := owner[imp]; ok && o != p.ImportPath && !benchReference {
				t.Errorf("%s imports %s; only %s may", p.ImportPath, imp, o)
			}
			if slices.Contains(forbidden[p.ImportPath], imp) {
				t.Errorf("%s imports %s, against the direction of dependencies", p.ImportPath, imp)
			}
		}
	}
	if seen < 3 {
		t.Fatalf("go list saw only %d packages", seen)
	}
}

// TestArchitectureIsCurrent: docs/ARCHITECTURE.md names every package
// there is, and every package its table names exists.
func TestArchitectureIsCurrent(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	doc, err := os.ReadFile("../../docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	const mod = "github.com/devserver/devserver/"
	var pkgs []string
	for p := range strings.FieldsSeq(string(out)) {
		rel := strings.TrimPrefix(p, mod)
		pkgs = append(pkgs, rel)
		if !regexp.MustCompile("(?m)(^|[\\s`])" + regexp.QuoteMeta(rel) + "([\\s`]|$)").Match(doc) {
			t.Errorf("docs/ARCHITECTURE.md does not name package %s", rel)
		}
	}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z/-]+)`").FindAllSubmatch(doc, -1) {
		if name := string(m[1]); !slices.Contains(pkgs, name) {
			t.Errorf("docs/ARCHITECTURE.md names package %s, which go list does not know", name)
		}
	}
}

// TestBannerForAWildcardBind: tests may bind loopback only, so the banner of
// a wildcard bind is checked on its own: every LAN address, the warning, and
// with --qr a QR code of the first LAN URL (internal/terminal/qrterm shows a scanner
// reads what it draws).
func TestBannerForAWildcardBind(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "devserver.yaml"), []byte("profiles:\n  lan:\n    addr: 0.0.0.0\n"), 0o644)
	l, err := config.Load(config.Options{Dir: dir, Flags: map[string]string{"profile": "lan"}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	lan := []string{"192.168.1.23", "10.0.0.7"}
	banner.Write(&b, banner.Banner{Loaded: l, Addr: &net.TCPAddr{IP: net.IPv4zero, Port: 8123}, LAN: lan, QR: true})
	out := b.String()
	var code strings.Builder
	if err := qrterm.Write(&code, "http://192.168.1.23:8123/"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`profile "lan"`, "Local:   http://localhost:8123/",
		"  ➜  Network: http://192.168.1.23:8123/\n", "  ➜  Network: http://10.0.0.7:8123/\n",
		"WARNING: this is a development server, reachable from the network", "Quit the server with CONTROL-C.",
		"Scan to open http://192.168.1.23:8123/ on a phone:\n" + code.String()} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	banner.Write(&b, banner.Banner{Loaded: l, Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8123}, QR: true})
	out = b.String()
	// A local-only server lists no network URL, and says how to expose it.
	if strings.Contains(out, "WARNING") || strings.Contains(out, "Network: http") || strings.Contains(out, "█") ||
		!strings.Contains(out, "Network: use --host to expose (or --profile lan)") ||
		!strings.Contains(out, "No QR code: devserver listens on 127.0.0.1, which only this machine can reach") {
		t.Errorf("loopback banner:\n%s", out)
	}
}

// TestReleaseVersionIsStamped: a binary stamped as make dist stamps it
// prints that version. It is built as TestMain built devserver, so only the
// link is new; TestReleaseArchives runs make dist's own build (-trimpath).
func TestReleaseVersionIsStamped(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "devserver")
	build := exec.Command("go", "build", "-ldflags", "-X github.com/devserver/devserver/internal/version.stamp=v9.8.7", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if want := "devserver v9.8.7 " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"; err != nil || string(out) != want {
		t.Errorf("version = %q (%v), want %q", out, err, want)
	}
}

// TestFlagTyposGetADidYouMean: a mistyped flag is named with the nearest
// flag of its command; one that is near none is named alone.
func TestFlagTyposGetADidYouMean(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--prot", "9000"}, "unknown flag: --prot (did you mean --port?)"},
		{[]string{"config", "--explian"}, "unknown flag: --explian (did you mean --explain?)"},
		{[]string{"validate", "--profil", "lan"}, "unknown flag: --profil (did you mean --profile?)"},
		{[]string{"--zzzzzz"}, "unknown flag: --zzzzzz\n"},
	} {
		_, stderr, code := runIn(t, t.TempDir(), nil, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d\n%s", c.args, code, stderr)
		}
	}
}

// TestSchemaCommandPrintsTheSchema: devserver schema prints what
// docs/devserver.schema.json holds, and init points editors at it.
func TestSchemaCommandPrintsTheSchema(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the schema is written on Unix (make docs), where app.stop_signal allows SIGUSR1 and SIGUSR2 too")
	}
	dir := t.TempDir()
	out, stderr, code := runIn(t, dir, nil, "schema")
	want, err := os.ReadFile("../../docs/devserver.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || out != string(want) {
		t.Errorf("schema: exit %d, %d bytes (want the %d of docs/devserver.schema.json)\n%s", code, len(out), len(want), stderr)
	}
	if _, stderr, code := runIn(t, dir, nil, "init"); code != 0 {
		t.Fatalf("init: %s", stderr)
	}
	written, err := os.ReadFile(filepath.Join(dir, "devserver.yaml"))
	if err != nil || !strings.HasPrefix(string(written), "# yaml-language-server: $schema="+config.SchemaURL+"\n") {
		t.Errorf("init wrote no schema line first:\n%.200s", written)
	}
}

// TestTheBannersURLStandsOut: on a terminal that takes colours the URL is
// in colour, as in Vite's banner; without (NO_COLOR, --no-color, a pipe)
// the banner has no escape at all.
func TestTheBannersURLStandsOut(t *testing.T) {
	t.Parallel()
	l, err := config.Load(config.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8123}
	var b strings.Builder
	banner.Write(&b, banner.Banner{Loaded: l, Addr: addr, Color: true})
	if !strings.Contains(b.String(), "Local:   \x1b[1;36mhttp://127.0.0.1:8123/\x1b[0m") {
		t.Errorf("in colour:\n%q", b.String())
	}
	b.Reset()
	banner.Write(&b, banner.Banner{Loaded: l, Addr: addr})
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("without colour:\n%q", b.String())
	}
}

// TestReleaseArchives: make dist's archives carry the binary, the docs,
// shell completions for four shells and the man pages, and its Homebrew
// formula and Scoop manifest carry the archives' checksums (two targets
// here, to keep it short); the binary says the version it was stamped with.
func TestReleaseArchives(t *testing.T) {
	t.Parallel()
	if os.Getenv("DEVSERVER_TEST_DIST") == "" || runtime.GOOS == "windows" {
		t.Skip("builds three binaries for a minute: make check runs it (DEVSERVER_TEST_DIST=1)")
	}
	out := t.TempDir()
	dist := exec.Command("bash", "../../scripts/dist")
	dist.Env = append(os.Environ(), "VERSION=v9.8.7", "DIST="+out, "TARGETS=linux/amd64 windows/amd64")
	if b, err := dist.CombinedOutput(); err != nil {
		t.Fatalf("make dist: %v\n%s", err, b)
	}
	list, err := exec.Command("tar", "-tzf", filepath.Join(out, "devserver_v9.8.7_linux_amd64.tar.gz")).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"devserver", "README.md", "LICENSE", "CHANGELOG.md", "completions/devserver.bash", "completions/_devserver",
		"completions/devserver.fish", "completions/devserver.ps1", "man/devserver.1", "man/devserver-why.1"} {
		if !strings.Contains(string(list), "devserver_v9.8.7_linux_amd64/"+f+"\n") {
			t.Errorf("the archive lacks %s:\n%s", f, list)
		}
	}
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		unpack := exec.Command("tar", "-xzf", filepath.Join(out, "devserver_v9.8.7_linux_amd64.tar.gz"), "-C", out)
		if b, err := unpack.CombinedOutput(); err != nil {
			t.Fatalf("unpack: %v\n%s", err, b)
		}
		got, err := exec.Command(filepath.Join(out, "devserver_v9.8.7_linux_amd64", "devserver"), "version").Output()
		if err != nil || !strings.HasPrefix(string(got), "devserver v9.8.7 ") {
			t.Errorf("the archive's devserver version: %q (%v), want v9.8.7", got, err)
		}
	}
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	for file, archive := range map[string]string{"devserver.rb": "linux_amd64.tar.gz", "devserver.json": "windows_amd64.zip"} {
		text, err := os.ReadFile(filepath.Join(out, file))
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(string(sums), "\n") {
			if sum, name, ok := strings.Cut(line, "  "); ok && strings.HasSuffix(name, archive) && !strings.Contains(string(text), sum) {
				t.Errorf("%s lacks the checksum of %s:\n%s", file, name, text)
			}
		}
		if !strings.Contains(string(text), "v9.8.7") {
			t.Errorf("%s names no version", file)
		}
	}
}

// TestWatchModesHaveOneOwner: the modes watch.mode allows are those of
// reload/watch's engine table (config may not import watch), each said in
// words of its own.
func TestWatchModesHaveOneOwner(t *testing.T) {
	t.Parallel()
	k, ok := config.LookupKey("watch.mode")
	if !ok || !slices.Equal(k.Allowed, watch.Modes()) {
		t.Errorf("watch.mode allows %v; the engine table has %v", k.Allowed, watch.Modes())
	}
	said := map[string]bool{}
	for _, m := range watch.Modes() {
		if d := watch.Describe(m, ""); d == m || said[d] {
			t.Errorf("mode %s is said %q: not in words of its own", m, d)
		} else {
			said[d] = true
		}
	}
}
