package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Starter returns a commented starter config in format "yaml" or "toml": every
// key listed with its doc and default but commented out (so the built-in
// defaults keep applying), and a lan profile to copy from. It is generated from
// the key table, so it lists every key there is.
func Starter(format string) ([]byte, error) {
	if format != "yaml" && format != "toml" {
		return nil, fmt.Errorf("unknown format %q (allowed: yaml, toml)", format)
	}
	var b bytes.Buffer
	name := "devserver." + format
	fmt.Fprintf(&b, "# %s: how devserver builds, runs, serves and watches this project.\n", name)
	b.WriteString("# Every key is optional: the commented lines show the built-in defaults.\n")
	b.WriteString("# Precedence, lowest first: defaults, this file, the chosen profile,\n")
	b.WriteString("# devserver.local." + format + " (personal, git-ignored), DEVSERVER_* environment\n")
	b.WriteString("# variables, command-line flags. See where each value comes from with\n")
	b.WriteString("#   devserver config --explain\n")
	section := ""
	for _, k := range keys {
		sec, leaf := "", k.Name
		if i := strings.LastIndex(k.Name, "."); i >= 0 {
			sec, leaf = k.Name[:i], k.Name[i+1:]
		}
		if sec != section {
			section = sec
			if format == "toml" {
				fmt.Fprintf(&b, "\n[%s]\n", sec)
			} else {
				fmt.Fprintf(&b, "\n%s:\n", sec)
			}
		}
		indent := ""
		if sec != "" && format == "yaml" {
			indent = "  "
		}
		lit, err := literal(k.Default)
		if err != nil {
			return nil, err
		}
		sep := ": "
		if format == "toml" {
			sep = " = "
		}
		fmt.Fprintf(&b, "\n%s# %s\n%s# %s%s%s\n", indent, k.Doc, indent, leaf, sep, lit)
	}
	if format == "toml" {
		b.WriteString("\n# Named profiles: devserver --profile lan. A profile holds any of the keys\n")
		b.WriteString("# above and may extend another profile.\n")
		b.WriteString("[profiles.lan]\ndescription = \"reachable from other devices on this network\"\naddr = \"0.0.0.0\"\n")
	} else {
		b.WriteString("\n# Named profiles: devserver --profile lan. A profile holds any of the keys\n")
		b.WriteString("# above and may extend another profile.\n")
		b.WriteString("profiles:\n  lan:\n    description: reachable from other devices on this network\n    addr: 0.0.0.0\n")
	}
	return b.Bytes(), nil
}

// literal writes a value so that YAML and TOML both read it back: JSON
// strings, numbers, booleans, arrays and (empty) objects are valid in both.
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
