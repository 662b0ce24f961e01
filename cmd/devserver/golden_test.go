package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/devserver/devserver/internal/testrig/fakeapp"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the expected output of golden tests")

// binary is the devserver binary built once for tests that run it as a user
// would; "" when -short skips them.
var binary string

// fakeAppBinary is the fake app built as a program of its own
// (internal/testrig/fakeapp/run), or "" with -short.
var fakeAppBinary string

// appBinary is the program a test's project runs as its app, in the mode
// FAKEAPP says: the fake app's own binary, or this test binary with -short.
func appBinary(t *testing.T) string {
	t.Helper()
	if fakeAppBinary != "" {
		return fakeAppBinary
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return self
}

func TestMain(m *testing.M) {
	if mode, ok := os.LookupEnv(fakeapp.Env); ok {
		os.Exit(fakeapp.Main(mode))
	}
	flag.Parse()
	code := func() int {
		if !testing.Short() {
			dir, err := os.MkdirTemp("", "devserver-test-")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer os.RemoveAll(dir)
			binary, fakeAppBinary = filepath.Join(dir, "devserver"), filepath.Join(dir, "fakeapp")
			for _, b := range [][2]string{{binary, "."}, {fakeAppBinary, "../../internal/testrig/fakeapp/run"}} {
				if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
					fmt.Fprintf(os.Stderr, "build %s: %v\n%s", b[1], err, out)
					return 1
				}
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

// A golden case is one txtar file in testdata/golden:
//
//	-- args --       the command line (split on spaces)
//	-- env --        KEY=VALUE lines (optional)
//	-- dir --        working directory under the case's root (optional)
//	-- stdout --     expected standard output
//	-- stderr --     expected standard error
//	-- exit --       expected exit code
//	-- want/PATH --  expected content of a file after the run (optional)
//	-- has/PATH --   lines a file must hold after the run, in this order,
//	                 among others (optional; -update leaves them as written):
//	                 for a case about a part of a file every key is in
//
// Every other section is a file written under the case's root before the
// run. $WORK in expected output stands for the root.
type golden struct {
	args, env []string
	dir       string
	files     map[string][]byte
	want      map[string]string   // file path → expected content
	has       map[string][]string // file path → lines it must hold, in order
	stdout    string
	stderr    string
	exit      int
}

func readGolden(t *testing.T, path string) (*txtar.Archive, golden) {
	t.Helper()
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g := golden{files: map[string][]byte{}, want: map[string]string{}, has: map[string][]string{}}
	for _, f := range ar.Files {
		text := string(f.Data)
		switch {
		case f.Name == "args":
			g.args = strings.Fields(text)
		case f.Name == "env":
			for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
				if l != "" {
					g.env = append(g.env, l)
				}
			}
		case f.Name == "dir":
			g.dir = strings.TrimSpace(text)
		case f.Name == "stdout":
			g.stdout = text
		case f.Name == "stderr":
			g.stderr = text
		case f.Name == "exit":
			g.exit, err = strconv.Atoi(strings.TrimSpace(text))
			if err != nil {
				t.Fatalf("%s: exit: %v", path, err)
			}
		case strings.HasPrefix(f.Name, "want/"):
			g.want[strings.TrimPrefix(f.Name, "want/")] = text
		case strings.HasPrefix(f.Name, "has/"):
			g.has[strings.TrimPrefix(f.Name, "has/")] = strings.Split(strings.TrimRight(text, "\n"), "\n")
		default:
			g.files[f.Name] = f.Data
		}
	}
	return ar, g
}

// setUp writes the case's files into a fresh root and returns it with the
// working directory.
func (g golden) setUp(t *testing.T) (root, dir string) {
	t.Helper()
	root = t.TempDir()
	for name, data := range g.files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir = filepath.Join(root, g.dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return root, dir
}

type result struct {
	stdout, stderr string
	exit           int
	files          map[string]string
}

func (g golden) collect(t *testing.T, root string, r *result) {
	t.Helper()
	r.files = map[string]string{}
	names := slices.Collect(maps.Keys(g.want))
	for name := range g.has {
		names = append(names, name)
	}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			r.files[name] = "(missing: " + err.Error() + ")"
			continue
		}
		r.files[name] = string(data)
	}
	r.stdout = strings.ReplaceAll(r.stdout, root, "$WORK")
	r.stderr = strings.ReplaceAll(r.stderr, root, "$WORK")
}

// runInProcess runs the command through run(), as main does.
func (g golden) runInProcess(t *testing.T) result {
	root, dir := g.setUp(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), g.args, runEnv{Dir: dir, Environ: g.env, Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
	r := result{stdout: stdout.String(), stderr: stderr.String(), exit: code}
	g.collect(t, root, &r)
	return r
}

// runBinary runs the built devserver binary in its own process.
func (g golden) runBinary(t *testing.T) result {
	root, dir := g.setUp(t)
	cmd := exec.CommandContext(t.Context(), binary, g.args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + root}, g.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	r := result{stdout: stdout.String(), stderr: stderr.String(), exit: code}
	g.collect(t, root, &r)
	return r
}

func (g golden) check(t *testing.T, how string, got result) {
	t.Helper()
	if diff := cmp.Diff(g.stdout, got.stdout); diff != "" {
		t.Errorf("%s: stdout (-want +got):\n%s", how, diff)
	}
	if diff := cmp.Diff(g.stderr, got.stderr); diff != "" {
		t.Errorf("%s: stderr (-want +got):\n%s", how, diff)
	}
	if got.exit != g.exit {
		t.Errorf("%s: exit code %d, want %d", how, got.exit, g.exit)
	}
	for name, lines := range g.has {
		rest := strings.Split(got.files[name], "\n")
		for _, l := range lines {
			i := slices.Index(rest, l)
			if i < 0 {
				t.Errorf("%s: file %s has no line %q after the ones before it:\n%s", how, name, l, got.files[name])
				break
			}
			rest = rest[i+1:]
		}
	}
	for name, want := range g.want {
		if diff := cmp.Diff(want, got.files[name]); diff != "" {
			t.Errorf("%s: file %s (-want +got):\n%s", how, name, diff)
		}
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, g := readGolden(t, path)
			got := g.runInProcess(t)
			if *update {
				rewrite(t, path, ar, got)
				return
			}
			g.check(t, "in process", got)
			if binary != "" {
				g.check(t, "binary", g.runBinary(t))
			}
		})
	}
}

// rewrite stores what the run printed as the case's expectation.
func rewrite(t *testing.T, path string, ar *txtar.Archive, got result) {
	t.Helper()
	set := func(name, text string) {
		for i := range ar.Files {
			if ar.Files[i].Name == name {
				ar.Files[i].Data = []byte(text)
				return
			}
		}
		ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(text)})
	}
	set("stdout", got.stdout)
	set("stderr", got.stderr)
	set("exit", strconv.Itoa(got.exit)+"\n")
	for name, text := range got.files {
		if slices.ContainsFunc(ar.Files, func(f txtar.File) bool { return f.Name == "want/"+name }) {
			set("want/"+name, text) // a has/ section is as its author wrote it
		}
	}
	if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}
