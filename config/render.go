package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pelletier/go-toml/v2"
	"go.yaml.in/yaml/v3"

	"github.com/devserver/devserver/internal/errorpage/ansi"
)

// Formats are the output formats of Marshal and Starter.
var formats = []string{"yaml", "toml", "json"}

// CheckFormat returns an error unless format is one of yaml, toml or json.
func CheckFormat(format string) error {
	if !slices.Contains(formats, format) {
		return fmt.Errorf("unknown format %q (allowed: %s)", format, strings.Join(formats, ", "))
	}
	return nil
}

// plainValue turns a typed value into what a file would hold: durations as
// strings ("500ms").
func plainValue(v any) any {
	if d, ok := v.(time.Duration); ok {
		return d.String()
	}
	return v
}

// Marshal prints the effective settings in a config file format, with the
// file's key names and durations as strings. The output loads back to the
// same settings.
func Marshal(cfg *Config, format string, only ...string) ([]byte, error) {
	if err := CheckFormat(format); err != nil {
		return nil, err
	}
	if err := cfg.checkSelection(only); err != nil {
		return nil, err
	}
	tree := orderedTree(cfg, only)
	switch format {
	case "json":
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err := enc.Encode(tree)
		return b.Bytes(), err
	case "toml":
		return toml.Marshal(tree.plain()) // TOML sorts the keys of a map
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(tree.yaml()); err != nil {
		return nil, fmt.Errorf("encode yaml: %w", err)
	}
	err := enc.Close()
	return b.Bytes(), err
}

// ordered is the settings as a tree that keeps the key table's order: the
// one walk of the key table that every output format starts from.
type ordered struct {
	names []string
	vals  map[string]any // a plain value or a *ordered section
}

func orderedTree(cfg *Config, only []string) *ordered {
	root := &ordered{vals: map[string]any{}}
	for _, k := range cfg.keys() {
		if !selected(k.Name, only) {
			continue
		}
		o := root
		parts := strings.Split(k.Name, ".")
		for _, p := range parts[:len(parts)-1] {
			o = o.sub(p)
		}
		o.put(parts[len(parts)-1], plainValue(cfg.Get(k.Name)))
	}
	return root
}

func (o *ordered) put(name string, v any) {
	if _, ok := o.vals[name]; !ok {
		o.names = append(o.names, name)
	}
	o.vals[name] = v
}

func (o *ordered) sub(name string) *ordered {
	if s, ok := o.vals[name].(*ordered); ok {
		return s
	}
	s := &ordered{vals: map[string]any{}}
	o.put(name, s)
	return s
}

// plain is the tree as nested maps.
func (o *ordered) plain() map[string]any {
	m := make(map[string]any, len(o.names))
	for _, n := range o.names {
		if s, ok := o.vals[n].(*ordered); ok {
			m[n] = s.plain()
		} else {
			m[n] = o.vals[n]
		}
	}
	return m
}

// yaml is the tree as a YAML mapping in key table order; empty lists and
// maps are written inline ([] and {}).
func (o *ordered) yaml() *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, n := range o.names {
		var v *yaml.Node
		if s, ok := o.vals[n].(*ordered); ok {
			v = s.yaml()
		} else {
			v = &yaml.Node{}
			// Encoding a plain value cannot fail: strings, numbers,
			// booleans, string lists and string maps.
			_ = v.Encode(o.vals[n])
			if (v.Kind == yaml.SequenceNode || v.Kind == yaml.MappingNode) && len(v.Content) == 0 {
				v.Style = yaml.FlowStyle
			}
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: n}, v)
	}
	return m
}

// MarshalJSON writes the object with its keys in order.
func (o *ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, n := range o.names {
		if i > 0 {
			b.WriteByte(',')
		}
		for _, v := range []any{n, o.vals[n]} {
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				return nil, err
			}
			b.Truncate(b.Len() - 1) // Encode ends with a newline
			if v == any(n) {
				b.WriteByte(':')
			}
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// WriteExplain prints every effective value (or those of the keys only
// names) with where it came from: the default, a file position and
// profile, the overlay, an environment variable or a flag. app.env entries
// are listed one by one.
func WriteExplain(w io.Writer, l *Loaded, only ...string) error {
	if err := l.Config.checkSelection(only); err != nil {
		return err
	}
	rows := explainRows(l)
	rows = slices.DeleteFunc(rows, func(r [3]string) bool { return !selected(r[0], only) })
	return writeExplainRows(w, l, rows)
}

// explainRows are every key's name, value and origin, app.env's and
// routes' entries one by one.
func explainRows(l *Loaded) [][3]string {
	var rows [][3]string
	for _, k := range l.Config.keys() {
		if k.Kind == KindMap {
			m := l.Config.Get(k.Name).(map[string]string)
			if len(m) == 0 {
				rows = append(rows, [3]string{k.Name, "{}", l.Origins[k.Name].String()})
			}
			names := make([]string, 0, len(m))
			for n := range m {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				rows = append(rows, [3]string{k.Name + "." + n, formatValue(m[n]), l.Origins[k.Name+"."+n].String()})
			}
			continue
		}
		src := l.Origins[k.Name].String()
		if k.Name == "addr" && l.Origins[k.Name].Layer == LayerDefault && l.Config.IPv6 {
			src = "default, as ipv6 is on"
		}
		rows = append(rows, [3]string{k.Name, formatValue(l.Config.Get(k.Name)), src})
	}
	return rows
}

// writeExplainRows is the rest of WriteExplain.
func writeExplainRows(w io.Writer, l *Loaded, rows [][3]string) error {
	file, overlay, profile := "none (built-in defaults)", "none", "none (base only)"
	if l.File != "" {
		file = l.Name(l.File)
	}
	if l.Overlay != "" {
		overlay = l.Name(l.Overlay)
	}
	if l.Config.Profile != "" {
		profile = l.Config.Profile
	}
	if l.ProfileFrom != "" {
		profile += "   (" + l.ProfileFrom + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "config file: %s\noverlay:     %s\nprofile:     %s\nroot:        %s\n\n",
		ansi.Escape(file), ansi.Escape(overlay), ansi.Escape(profile), ansi.Escape(l.Config.Root))
	for i := range rows { // values and names from files reach the terminal as text
		for j := range rows[i] {
			rows[i][j] = ansi.Escape(rows[i][j])
		}
	}
	keyW, valW := 0, 0
	for _, r := range rows {
		keyW = max(keyW, len(r[0]))
		valW = max(valW, min(len(r[1]), 32))
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s = %-*s   (%s)\n", keyW, r[0], valW, r[1], r[2])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteProfiles lists the profiles of l: each with its extends chain and
// description, the one in use marked, and what chose it.
func WriteProfiles(w io.Writer, l *Loaded) error {
	if len(l.Profiles) == 0 {
		where := "there is no config file"
		if l.File != "" {
			where = l.Name(l.File) + " defines none"
		}
		_, err := fmt.Fprintf(w, "no profiles: %s\n", where)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tCHAIN\tDESCRIPTION")
	for _, p := range l.Profiles {
		name := p.Name
		if p.Name == l.Config.Profile {
			name += " *"
		}
		chain := "base > " + strings.Join(p.Chain, " > ")
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, chain, ansi.Escape(p.Description))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if l.Config.Profile != "" {
		_, err := fmt.Fprintf(w, "\n* in use: %s (%s)\n", l.Config.Profile, l.ProfileFrom)
		return err
	}
	return nil
}

// selected reports whether key is one of only (all when only is empty):
// named, under a named section ("watch" selects watch.mode), or a map
// whose entry is named ("app.env.DEBUG" selects app.env).
func selected(key string, only []string) bool {
	if len(only) == 0 {
		return true
	}
	return slices.ContainsFunc(only, func(o string) bool {
		return key == o || strings.HasPrefix(key, o+".") || strings.HasPrefix(o, key+".")
	})
}

// checkSelection says which of only names no key of c, and what is
// meant if it can tell.
func (c *Config) checkSelection(only []string) error {
	var names []string
	for _, k := range c.keys() {
		for i, r := range k.Name { // its sections too: "processes.web" of processes.web.run
			if r == '.' && !slices.Contains(names, k.Name[:i]) {
				names = append(names, k.Name[:i])
			}
		}
		names = append(names, k.Name)
	}
	for _, o := range only {
		if !slices.ContainsFunc(names, func(n string) bool { return selected(n, []string{o}) }) {
			return &KeyError{Name: o, Suggest: suggest(o, names)}
		}
	}
	return nil
}

// KeyError is a key asked for that the config has not.
type KeyError struct {
	Name    string
	Suggest string // the nearest key, or ""
}

func (e *KeyError) Error() string {
	if e.Suggest != "" {
		return fmt.Sprintf("no key %q; did you mean %s?", e.Name, e.Suggest)
	}
	return fmt.Sprintf("no key %q (devserver config --explain lists them)", e.Name)
}
