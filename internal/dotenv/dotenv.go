// Package dotenv reads .env files as the dotenv tools of most stacks write
// them: KEY=value lines, comments, `export`, single quotes (literal),
// double quotes (escapes, and ${VAR} expanded), and unquoted values (${VAR}
// and $VAR expanded, a # after a space starting a comment).
//
// It reads bytes it is given; it opens no file and sets no variable.
package dotenv

import (
	"fmt"
	"os"
	"strings"
)

// Var is one variable a file sets, with the line that set it.
type Var struct {
	Name, Value string
	Line        int
}

// Parse reads data. lookup gives the value of a variable a value refers to
// that the file has not set before (devserver's own environment); it may
// be nil. Lines it cannot read are returned as errors naming their line;
// the others are still read.
func Parse(data []byte, lookup func(string) (string, bool)) ([]Var, []error) {
	var vars []Var
	var errs []error
	set := map[string]string{}
	get := func(name string) string {
		if v, ok := set[name]; ok {
			return v
		}
		if lookup != nil {
			v, _ := lookup(name)
			return v
		}
		return ""
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		n := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		name, raw, ok := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		if !ok || !validName(name) {
			errs = append(errs, fmt.Errorf("line %d: not NAME=value", n))
			continue
		}
		raw = strings.TrimLeft(raw, " \t")
		// A quoted value may go on over several lines.
		for q := quote(raw); q != 0 && !closed(raw, q) && i+1 < len(lines); {
			i++
			raw += "\n" + lines[i]
		}
		value, err := unquote(raw, get)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %s: %w", n, name, err))
			continue
		}
		set[name] = value
		vars = append(vars, Var{Name: name, Value: value, Line: n})
	}
	return vars, errs
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c != '_' && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (i == 0 || c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return true
}

func quote(raw string) byte {
	if raw != "" && (raw[0] == '"' || raw[0] == '\'') {
		return raw[0]
	}
	return 0
}

// closed reports whether a value opened with quote q is closed.
func closed(raw string, q byte) bool {
	for i := 1; i < len(raw); i++ {
		switch {
		case raw[i] == '\\' && q == '"':
			i++
		case raw[i] == q:
			return true
		}
	}
	return false
}

// unquote reads one value: quoted, or up to a comment.
func unquote(raw string, get func(string) string) (string, error) {
	switch quote(raw) {
	case '\'':
		end := strings.IndexByte(raw[1:], '\'')
		if end < 0 {
			return "", fmt.Errorf("no closing '")
		}
		return raw[1 : 1+end], nil
	case '"':
		var b strings.Builder
		for i := 1; i < len(raw); i++ {
			c := raw[i]
			switch {
			case c == '"':
				return expand(b.String(), get), nil
			case c == '\\' && i+1 < len(raw):
				i++
				switch raw[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				default:
					b.WriteByte(raw[i])
				}
			default:
				b.WriteByte(c)
			}
		}
		return "", fmt.Errorf(`no closing "`)
	}
	if i := strings.Index(raw, " #"); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.Index(raw, "\t#"); i >= 0 {
		raw = raw[:i]
	}
	return expand(strings.TrimSpace(raw), get), nil
}

// expand replaces ${VAR} and $VAR.
func expand(s string, get func(string) string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return os.Expand(s, get)
}
