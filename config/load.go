package config

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devserver/devserver/internal/textfile"
	"github.com/devserver/devserver/profiles"
)

// Options says what to load. Nothing is read from the process environment or
// working directory except through these fields.
type Options struct {
	// Dir is the working directory: discovery starts here and relative
	// --config paths resolve against it. If empty, os.Getwd is used.
	Dir string
	// Environ is the environment as KEY=VALUE pairs; only DEVSERVER_*
	// variables are read. Later duplicates win.
	Environ []string
	// Flags holds the flags the user actually set, by long name ("port",
	// "noreload", "config", "profile"), with their values as typed. A flag's
	// default never reaches here, so it never beats the file.
	Flags map[string]string
	// AddrPort is the ADDRPORT argument ("9000", "0.0.0.0:9000",
	// "[::1]:9000"), or "" when not given.
	AddrPort string
}

// Loaded is the result of a successful load.
type Loaded struct {
	// Config is the effective configuration.
	Config *Config
	// File is the config file's absolute path, "" when none was found.
	File string
	// Overlay is the local overlay's absolute path, "" when there is none.
	Overlay string
	// ProfileFrom says where the choice of Config.Profile came from, for
	// --explain ("flag --profile", "env DEVSERVER_PROFILE", "devserver.yaml:1").
	ProfileFrom string
	// Profiles lists the declared profiles, sorted by name.
	Profiles []ProfileInfo
	// Origins maps each key (and each app.env entry, as "app.env.NAME") to
	// where its effective value came from.
	Origins map[string]Source
	// Warnings are doubts that did not stop the load: a DEVSERVER_*
	// variable that is close to a key's but names none.
	Warnings ErrorList
	// dir is Options.Dir, for naming files relative to it.
	dir string
}

// ProfileInfo describes one declared profile.
type ProfileInfo struct {
	Name        string
	Description string
	Extends     string
	Chain       []string // oldest ancestor first, Name last
	Declared    Source   // where its section starts
}

// Summary is the profile in a few words: its description, else what it
// extends.
func (p ProfileInfo) Summary() string {
	if p.Description == "" && p.Extends != "" {
		return "extends " + p.Extends
	}
	return p.Description
}

// WatchFiles returns the files a change of which must reload the config: the
// config file and every overlay name beside it (so creating an overlay counts).
// Without a config file it returns the names discovery would find in the root.
func (l *Loaded) WatchFiles() []string {
	if l.File == "" {
		var out []string
		for _, n := range fileNames {
			out = append(out, filepath.Join(l.Config.Root, n))
		}
		return out
	}
	out := []string{l.File}
	for _, n := range overlayNames(l.File) {
		out = append(out, filepath.Join(filepath.Dir(l.File), n))
	}
	return out
}

// Name returns a path as messages show it: relative to the working directory
// when that is shorter.
func (l *Loaded) Name(path string) string { return displayName(l.dir, path) }

// fileNames are the names discovery looks for, in each directory.
var fileNames = []string{"devserver.yaml", "devserver.yml", "devserver.toml"}

// setting is one layer's value for a key. For KindMap keys, entries holds the
// source of each entry, since maps merge key by key.
type setting struct {
	value   any
	src     Source
	entries map[string]Source
}

type settings map[string]setting

// fileLayer is what one config file (or overlay) declares.
type fileLayer struct {
	path, name string
	base       settings
	sections   map[string]settings // by profile name
	profile    profiles.Choice     // its profile key
	profileAt  Source
	decls      map[string]profileDecl
}

type profileDecl struct {
	info      ProfileInfo
	extendsAt Source // where extends is written; zero when not set
}

// Load reads the config file, its overlay, the environment and the flags, and
// returns the effective configuration. Every problem found is returned at
// once as an ErrorList; nothing partial is returned with an error.
func Load(opts Options) (*Loaded, error) {
	dir := opts.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("find working directory: %w", err)
		}
		dir = wd
	}
	var e errs
	in := readInputs(dir, opts, &e)
	if err := e.err(); err != nil {
		return nil, err
	}
	cfg, origins := in.merge(dir)
	crossCheck(cfg, origins, &e)
	if err := e.err(); err != nil {
		return nil, err
	}
	l := &Loaded{Config: cfg, File: in.path, Origins: origins, ProfileFrom: in.from, dir: dir, Warnings: e.warnings}
	if in.overlay != nil {
		l.Overlay = in.overlay.path
	}
	l.Profiles = in.decls.list()
	return l, nil
}

// inputs are the layers of one load, read and checked, and the profile
// they choose.
type inputs struct {
	path          string // the config file; "" for none
	file, overlay *fileLayer
	env, flags    settings
	decls         decls
	profile, from string   // the chosen profile and what chose it
	chain         []string // its extends chain, base first
}

// readInputs reads every layer and chooses the profile, adding each
// problem to e.
func readInputs(dir string, opts Options, e *errs) inputs {
	env := environMap(opts.Environ)
	in := inputs{path: findFile(dir, env, opts.Flags, e)}
	if in.path != "" {
		in.file = readLayer(dir, in.path, LayerFile, e)
		if ov := findOverlay(in.path, e); ov != "" {
			in.overlay = readLayer(dir, ov, LayerOverlay, e)
		}
	}
	in.env = envLayer(env, in.processes(), e)
	in.flags = flagLayer(opts, e)
	in.decls = declaredProfiles(in.file, in.overlay, e)
	in.profile, in.from = chooseProfile(opts.Flags, env, in.file, in.overlay, in.decls, e)
	if in.profile != "" {
		if c, err := in.decls.set().Chain(in.profile); err == nil {
			in.chain = c
		}
	}
	return in
}

// processes lists the processes the files declare, in any section.
func (in inputs) processes() []string {
	seen := map[string]bool{}
	for _, l := range []*fileLayer{in.file, in.overlay} {
		if l == nil {
			continue
		}
		for _, sec := range append([]settings{l.base}, slices.Collect(maps.Values(l.sections))...) {
			for _, p := range sec.processNames() {
				seen[p] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// merge layers the inputs, lowest precedence first as DESIGN.md orders
// them, into a Config and the origin of each of its values.
func (in inputs) merge(dir string) (*Config, map[string]Source) {
	eff := defaults()
	for _, l := range []*fileLayer{in.file, in.overlay} {
		if l == nil {
			continue
		}
		eff.merge(l.base)
		for _, p := range in.chain {
			eff.merge(l.sections[p])
		}
	}
	eff.merge(in.env)
	eff.merge(in.flags)
	eff.processDefaults()

	cfg := &Config{Root: dir, Profile: in.profile}
	if in.path != "" {
		cfg.Root = filepath.Dir(in.path)
	}
	origins := map[string]Source{}
	for _, k := range keysFor(eff.processNames()) {
		s := eff[k.Name]
		cfg.set(k.Name, s.value)
		origins[k.Name] = s.src
		for entry, src := range s.entries {
			origins[k.Name+"."+entry] = src
		}
	}
	if origins["addr"].Layer == LayerDefault && cfg.IPv6 {
		cfg.Addr = "::1"
	}
	return cfg, origins
}

// readLayer parses one file and checks every key in it, its profile
// sections included, whichever profile is chosen.
func readLayer(dir, path string, layer Layer, e *errs) *fileLayer {
	name := displayName(dir, path)
	l := &fileLayer{path: path, name: name, base: settings{}, sections: map[string]settings{}, decls: map[string]profileDecl{}}
	data, err := textfile.Read(path, maxFileSize)
	switch {
	case errors.Is(err, textfile.ErrTooLarge):
		e.add(&Error{File: name, Msg: fmt.Sprintf("the file is larger than %d bytes, the most a config file may be", maxFileSize)})
		return l
	case err != nil:
		e.add(&Error{File: name, Msg: textfile.Describe(path, err)})
		return l
	}
	root, perr := parseFile(name, path, data)
	if perr != nil {
		e.add(perr)
		return l
	}
	src := Source{Layer: layer, File: name}
	var rest []string
	for _, k := range root.order {
		switch k {
		case "profile":
			l.readProfileKey(root.kids[k], src, e)
		case "profiles":
			l.readProfiles(root.kids[k], src, e)
		default:
			rest = append(rest, k)
		}
	}
	readSettings(root, rest, "", "", src, l.base, []string{"profile", "profiles"}, e)
	return l
}

// readSettings decodes the named children of n as keys under prefix (a schema
// path) into out. shown is what messages put before the key path (for profile
// sections, "profiles.NAME."); extra are further names allowed at this level,
// for did-you-mean.
func readSettings(n *node, names []string, prefix, shown string, src Source, out settings, extra []string, e *errs) {
	for _, name := range names {
		kid := n.kids[name]
		path := prefix + name
		if k, ok := LookupKey(path); ok {
			v, problem := decodeFile(k, kid.plain())
			if problem != "" {
				e.at(withPos(src, kid.val), shown+path, problem)
				continue
			}
			s := setting{value: v, src: withPos(src, kid.key)}
			if k.Kind == KindMap {
				s.entries = map[string]Source{}
				for entry, ek := range kid.kids {
					s.entries[entry] = withPos(src, ek.key)
				}
			}
			out[path] = s
			continue
		}
		if readProcess(kid, path, shown, src, out, e) {
			continue
		}
		if isSection(path) {
			switch {
			case kid.isMap():
				readSettings(kid, kid.order, path+".", shown, src, out, nil, e)
			case kid.value != nil:
				if sh, ok := shorthands[path]; ok && kid.value == sh.value {
					out[sh.key] = setting{value: true, src: withPos(src, kid.key)}
					continue
				}
				msg := fmt.Sprintf("must be %s of keys (%s)", tableWord(src), strings.Join(sectionKeys(path), ", "))
				if sh, ok := shorthands[path]; ok {
					msg += fmt.Sprintf(" or %q", sh.value)
				}
				e.at(withPos(src, kid.val), shown+path, msg)
			}
			continue
		}
		known := append([]string(nil), extra...)
		procs := []string{}
		if name, _, ok := processKey(path); ok {
			procs = append(procs, name)
		}
		for _, k := range keysFor(procs) {
			known = append(known, k.Name)
		}
		msg := "unknown key"
		if s := suggest(path, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", shown+s)
		}
		e.at(withPos(src, kid.key), shown+path, msg)
	}
}

// readProcess reads what only a process's section can be: a name that
// cannot be a process's, or a Procfile's line ("worker: python worker.py",
// its run). It reports whether it took kid.
func readProcess(kid *node, path, shown string, src Source, out settings, e *errs) bool {
	name, ok := processSection(path)
	if !ok {
		return false
	}
	if problem := processNameProblem(name); problem != "" {
		e.at(withPos(src, kid.key), shown+path, problem)
		return true
	}
	if run, ok := kid.value.(string); ok && !kid.isMap() {
		out[path+".run"] = setting{value: run, src: withPos(src, kid.key)}
		return true
	}
	return false
}

func sectionKeys(section string) []string {
	if _, ok := processSection(section); ok {
		section = "processes.*"
	}
	var out []string
	for _, k := range keys {
		if rest, ok := strings.CutPrefix(k.Name, section+"."); ok {
			out = append(out, rest)
		}
	}
	return out
}

func withPos(src Source, p pos) Source {
	src.Line, src.Col = p.line, p.col
	return src
}

// defaults is the built-in layer.
func defaults() settings {
	out := settings{}
	for _, k := range keys {
		if !k.template() {
			out[k.Name] = setting{value: k.Default, src: Source{Layer: LayerDefault}}
		}
	}
	return out
}

// processDefaults gives each process that s names the defaults of the
// keys that s leaves unset.
func (s settings) processDefaults() {
	for _, name := range s.processNames() {
		for _, k := range templates {
			if _, set := s[k.instance(name).Name]; !set {
				s[k.instance(name).Name] = setting{value: k.Default, src: Source{Layer: LayerDefault}}
			}
		}
	}
}

// merge lays a higher layer over s: scalars and lists replace, maps merge
// key by key.
func (s settings) merge(over settings) {
	for name, o := range over {
		cur, ok := s[name]
		m, isMap := o.value.(map[string]string)
		if !ok || !isMap {
			s[name] = o
			continue
		}
		merged := maps.Clone(cur.value.(map[string]string))
		entries := maps.Clone(cur.entries)
		if entries == nil {
			entries = map[string]Source{}
		}
		maps.Copy(merged, m)
		maps.Copy(entries, o.entries)
		s[name] = setting{value: merged, src: o.src, entries: entries}
	}
}

// tableWord is what the format of src's file calls a section: a YAML
// mapping, a TOML table.
func tableWord(src Source) string {
	if format(src.File) == "toml" {
		return "a table"
	}
	return "a mapping"
}

// crossCheck validates what no single key can: combinations.
func crossCheck(cfg *Config, origins map[string]Source, e *errs) {
	if cfg.IPv6 {
		if a, err := netip.ParseAddr(cfg.Addr); err == nil && a.Is4() {
			e.at(origins["addr"], "addr", fmt.Sprintf("%q is not an IPv6 address, but ipv6 is on (%s)", cfg.Addr, origins["ipv6"]))
		}
	}
	checkProcesses(cfg, origins, e)
	checkRouteTargets(cfg, origins, e)
	checkDependsOn(cfg, origins, e)
	if cfg.Watch.Enabled {
		for _, p := range cfg.Watch.Paths {
			if _, err := os.Stat(cfg.Abs(p)); err != nil {
				e.at(origins["watch.paths"], "watch.paths", fmt.Sprintf("%q: %s (watch paths are relative to the project root, %s)", p, textfile.Describe(cfg.Abs(p), err), cfg.Root))
			}
		}
	}
	if (cfg.TLS.Cert == "") != (cfg.TLS.Key == "") {
		set, missing := "tls.cert", "tls.key"
		if cfg.TLS.Cert == "" {
			set, missing = missing, set
		}
		e.at(origins[set], set, fmt.Sprintf("is set but %s is not (set both or neither)", missing))
	}
}
