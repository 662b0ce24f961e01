package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/devserver/devserver/internal/errorpage/ansi"
	"github.com/devserver/devserver/internal/textfile"
)

// Starter returns a commented starter config in format "yaml" or "toml": every
// key listed with its doc and default but commented out (so the built-in
// defaults keep applying), and a lan profile to copy from. It is generated from
// the key table, so it lists every key there is.
func Starter(format string) ([]byte, error) { return starterFor(format, Project{}) }

// starterFor is Starter with the keys p sets written out, uncommented.
func starterFor(format string, p Project) ([]byte, error) {
	if format != "yaml" && format != "toml" {
		return nil, fmt.Errorf("unknown format %q (allowed: yaml, toml)", format)
	}
	var b bytes.Buffer
	name := "devserver." + format
	// The editor line: completion and hover docs from the schema (VS Code's
	// YAML extension, Taplo for TOML).
	if format == "yaml" {
		b.WriteString("# yaml-language-server: $schema=" + SchemaURL + "\n")
	} else {
		b.WriteString("#:schema " + SchemaURL + "\n")
	}
	fmt.Fprintf(&b, "# %s: how devserver builds, runs, serves and watches this project.\n", name)
	b.WriteString("# Every key is optional: the commented lines show the built-in defaults.\n")
	b.WriteString("# Precedence, lowest first: defaults, this file, the chosen profile,\n")
	b.WriteString("# devserver.local." + format + " (personal, git-ignored), DEVSERVER_* environment\n")
	b.WriteString("# variables, command-line flags. See where each value comes from with\n")
	b.WriteString("#   devserver config --explain\n")
	if p.Stack != "" {
		fmt.Fprintf(&b, "#\n# devserver init recognised: %s. Check the keys set below.\n", p.Stack)
	}
	if err := writeKeys(&b, format, p); err != nil {
		return nil, err
	}
	if err := writeProcesses(&b, format, p); err != nil {
		return nil, err
	}
	b.WriteString("\n# Named profiles: devserver --profile lan. A profile holds any of the keys\n")
	b.WriteString("# above and may extend another profile.\n")
	if format == "toml" {
		b.WriteString("[profiles.lan]\ndescription = \"reachable from other devices on this network\"\naddr = \"0.0.0.0\"\n")
	} else {
		b.WriteString("profiles:\n  lan:\n    description: reachable from other devices on this network\n    addr: 0.0.0.0\n")
	}
	return b.Bytes(), nil
}

// writeKeys writes every key of the table but the processes': its doc,
// and its default commented out, or the value p sets.
func writeKeys(b *bytes.Buffer, format string, p Project) error {
	section := ""
	for _, k := range keys {
		if k.template() {
			continue // processes come after, as an example
		}
		sec, leaf := "", k.Name
		if i := strings.LastIndex(k.Name, "."); i >= 0 {
			sec, leaf = k.Name[:i], k.Name[i+1:]
		}
		if sec != section {
			section = sec
			if format == "toml" {
				fmt.Fprintf(b, "\n[%s]\n", sec)
			} else {
				fmt.Fprintf(b, "\n%s:\n", sec)
			}
		}
		indent := ""
		if sec != "" && format == "yaml" {
			indent = "  "
		}
		lit, err := literal(k.Default)
		if err != nil {
			return err
		}
		sep := ": "
		if format == "toml" {
			sep = " = "
		}
		if v, ok := p.Settings[k.Name]; ok {
			set, err := literalIn(format, v)
			if err != nil {
				return err
			}
			fmt.Fprintf(b, "\n%s# %s\n%s%s%s%s\n", indent, k.Doc, indent, leaf, sep, set)
			continue
		}
		fmt.Fprintf(b, "\n%s# %s\n%s# %s%s%s\n", indent, k.Doc, indent, leaf, sep, lit)
	}
	return nil
}

// writeProcesses writes an example of processes, commented out, and the
// processes p sets.
func writeProcesses(b *bytes.Buffer, format string, p Project) error {
	b.WriteString("\n# Processes that run beside the app, each with its output prefixed by its\n")
	b.WriteString("# name; a change restarts those whose watch globs match. Keys: run, build,\n")
	b.WriteString("# env, env_file, watch, restart (change or never). A name alone with a\n")
	b.WriteString("# command is its run, as in a Procfile.\n")
	if format == "toml" {
		b.WriteString("# [processes]\n# css = \"npx tailwindcss -i src/app.css -o static/app.css --watch\"\n")
		b.WriteString("# [processes.worker]\n# run = \"python worker.py\"\n# watch = [\"worker/**/*.py\"]\n")
	} else {
		b.WriteString("# processes:\n#   css: npx tailwindcss -i src/app.css -o static/app.css --watch\n")
		b.WriteString("#   worker:\n#     run: python worker.py\n#     watch: [\"worker/**/*.py\"]\n")
	}
	names := p.processes()
	slices.Sort(names)
	if len(names) > 0 && format == "yaml" {
		b.WriteString("processes:\n")
	}
	for _, name := range names {
		if format == "toml" {
			fmt.Fprintf(b, "[processes.%s]\n", name)
		} else {
			fmt.Fprintf(b, "  %s:\n", name)
		}
		for _, k := range templates {
			v, ok := p.Settings[k.instance(name).Name]
			if !ok {
				continue
			}
			lit, err := literal(v)
			if err != nil {
				return err
			}
			leaf := k.Name[strings.LastIndex(k.Name, ".")+1:]
			if format == "toml" {
				fmt.Fprintf(b, "%s = %s\n", leaf, lit)
			} else {
				fmt.Fprintf(b, "    %s: %s\n", leaf, lit)
			}
		}
	}
	return nil
}

// literal writes a value so that YAML and TOML both read it back: JSON
// strings, numbers, booleans, arrays and (empty) objects are valid in both.
// literalIn is literal, but a map in TOML is an inline table, whose keys
// are = from their values.
func literalIn(format string, v any) (string, error) {
	m, ok := v.(map[string]string)
	if format != "toml" || !ok {
		return literal(v)
	}
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, strconv.Quote(k)+" = "+strconv.Quote(m[k]))
	}
	return "{ " + strings.Join(parts, ", ") + " }", nil
}

func literal(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(plainValue(v)); err != nil {
		return "", fmt.Errorf("encode default: %w", err)
	}
	s := strings.TrimSuffix(b.String(), "\n")
	return strings.ReplaceAll(s, `","`, `", "`), nil
}

// ErrExists is what Init's error matches when a config file is in the way.
var ErrExists = errors.New("config file exists")

type existsError struct{ msg string }

func (e existsError) Error() string        { return e.msg }
func (e existsError) Is(target error) bool { return target == ErrExists }

// Initialized is what Init did.
type Initialized struct {
	Name    string   // the file written, as devserver.FORMAT
	Project Project  // what was recognised
	Added   []string // the lines added to .gitignore
}

// Report says what Init did and what to do next, for a person.
func (in Initialized) Report(w io.Writer) error {
	fmt.Fprintf(w, "wrote %s\n", in.Name)
	if in.Project.Stack != "" {
		fmt.Fprintf(w, "recognised %s: %s\n", ansi.Escape(in.Project.Stack), ansi.Escape(in.Project.Describe()))
	}
	if len(in.Added) > 0 {
		fmt.Fprintf(w, "added %s to .gitignore\n", strings.Join(in.Added, " and "))
	}
	next := "set app.run in " + in.Name + ", then run devserver"
	if in.Project.Stack != "" {
		next = "check " + in.Name + ", then run devserver"
	}
	_, err := fmt.Fprintf(w, "next: %s\n", next)
	return err
}

// Init writes the starter config devserver.FORMAT into dir (over an
// existing one of that name only with force; a config file of another
// format is in the way; one in a directory above, which devserver would
// find from dir, only with force), with the keys for the stack Detect recognises
// set, and adds the personal overlay and devserver's local state to dir's
// .gitignore. It returns what it did.
func Init(dir, format string, force bool) (Initialized, error) {
	name := "devserver." + format
	for _, other := range []string{"devserver.yaml", "devserver.yml", "devserver.toml"} {
		st, err := os.Lstat(filepath.Join(dir, other))
		switch {
		case err != nil:
		case st.Mode()&fs.ModeSymlink != 0:
			return Initialized{}, linkError(dir, other)
		case other != name:
			return Initialized{}, existsError{other + " already exists; remove it first (one config file per directory)"}
		case !force:
			return Initialized{}, existsError{name + " already exists (use --force to overwrite it)"}
		}
	}
	if st, err := os.Lstat(filepath.Join(dir, ".gitignore")); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return Initialized{}, linkError(dir, ".gitignore")
	}
	if parent := parentConfig(dir); parent != "" && !force {
		return Initialized{}, existsError{fmt.Sprintf("%s already configures this directory (devserver finds it from here); "+
			"run devserver there, or init --force to write a config here that takes its place for this directory", parent)}
	}
	p := Detect(dir)
	data, err := starterFor(format, p)
	if err != nil {
		return Initialized{}, err
	}
	if err := textfile.WriteAtomic(filepath.Join(dir, name), data, 0o644); err != nil {
		return Initialized{}, fmt.Errorf("write %s: %w", name, err)
	}
	added, err := gitignore(filepath.Join(dir, ".gitignore"), "devserver.local.*", ".devserver/")
	return Initialized{Name: name, Project: p, Added: added}, err
}

// parentConfig is the config file of a directory above dir, which
// devserver run in dir would find, or "".
func parentConfig(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		for _, n := range fileNames {
			if present(filepath.Join(d, n)) {
				return filepath.Join(d, n)
			}
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// linkError refuses to write through the symbolic link name in dir: a
// repository could point it anywhere (a dangling devserver.yaml link would
// create its target; a .gitignore link would have lines added to another
// file).
func linkError(dir, name string) error {
	target, _ := os.Readlink(filepath.Join(dir, name))
	return existsError{fmt.Sprintf("%s is a symbolic link (to %s); init writes no file through a link: remove it first", name, ansi.Escape(target))}
}

// gitignore appends the lines that path does not hold yet and returns them.
func gitignore(path string, lines ...string) ([]string, error) {
	data, err := textfile.Read(path, textfile.MaxConfig)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read .gitignore: %w", err)
	}
	have := map[string]bool{}
	for l := range strings.Lines(string(data)) {
		have[strings.TrimSpace(l)] = true
	}
	var added []string
	for _, l := range lines {
		if !have[l] && !have["/"+l] {
			added = append(added, l)
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	text := string(data)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	text += "# devserver: personal overlay and local state\n" + strings.Join(added, "\n") + "\n"
	if err := textfile.WriteAtomic(path, []byte(text), 0o644); err != nil {
		return nil, fmt.Errorf("write .gitignore: %w", err)
	}
	return added, nil
}
