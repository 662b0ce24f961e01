package config

import (
	"errors"
	"strings"
	"testing"
)

// TestYAMLSyntaxErrorsPointAtTheMistake: a syntax error names the line the
// mistake is on (not the line where what it breaks began) and shows it,
// with the line before, and a caret under its column when known.
func TestYAMLSyntaxErrorsPointAtTheMistake(t *testing.T) {
	for _, c := range []struct{ doc, at, shown string }{
		{"port: 8000\napp:\n  run: go\n env: {A: 1}\n", "f:4:2:", "  4 |  env: {A: 1}\n    |  ^"},
		{"port: 8000\nwatch:\n  paths: [a, b\n  interval: 1s\n", "f:4:3:", "  3 |   paths: [a, b\n  4 |   interval: 1s\n    |   ^"},
		{"a: 1\nb: {c: 2\n", "f:2:4:", "  2 | b: {c: 2\n    |    ^"},
		{"port: 8000\n- x\n", "f:2:1:", "  2 | - x\n    | ^"},
		{"port: 8000\n  addr: 0.0.0.0\n", "f:2:", "  1 | port: 8000\n  2 |   addr: 0.0.0.0"},
	} {
		_, perr := parseFile("f", "f.yaml", []byte(c.doc))
		var e *Error
		if !errors.As(error(perr), &e) || !strings.HasPrefix(e.Error(), c.at+" syntax error: ") || !strings.HasSuffix(e.Error(), c.shown) {
			t.Errorf("%q:\n%v\nwant it at %s, showing\n%s", c.doc, perr, c.at, c.shown)
		}
	}
}
