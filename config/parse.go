package config

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/devserver/devserver/internal/errorpage/ansi"
	"github.com/devserver/devserver/internal/textfile"
	goyaml "github.com/goccy/go-yaml"
	goparser "github.com/goccy/go-yaml/parser"
	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
	"go.yaml.in/yaml/v3"
)

// maxFileSize bounds a config file; anything larger is a mistake.
const maxFileSize = textfile.MaxConfig

// pos is a 1-based line and column in a config file.
type pos struct{ line, col int }

// node is one key of a parsed config file with where it was written. A
// mapping (YAML) or table (TOML) has kids; anything else is a leaf with a
// value as the format decodes it: string, int, int64, float64, bool, nil,
// []any or, inside a list, map[string]any.
type node struct {
	key, val pos
	kids     map[string]*node // nil unless a mapping or table
	order    []string         // kids' names in file order
	value    any
}

func (n *node) isMap() bool { return n.kids != nil }

// plain returns the node's value with mappings turned into map[string]any.
func (n *node) plain() any {
	if !n.isMap() {
		return n.value
	}
	m := make(map[string]any, len(n.kids))
	for k, kid := range n.kids {
		m[k] = kid.plain()
	}
	return m
}

func (n *node) add(name string, kid *node) {
	if n.kids == nil {
		n.kids = map[string]*node{}
	}
	n.kids[name] = kid
	n.order = append(n.order, name)
}

// format is the file format, from the file's extension.
func format(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		return "toml"
	default:
		return "yaml"
	}
}

// parseFile parses a YAML or TOML config file: the one reading of it that
// everything else uses. Keys keep their case and position and values are as
// the format's library decodes them (yaml.v3, go-toml v2: the libraries
// viper reads with, so a file means what it would to viper; TestViperAgrees
// holds Load to that). name is the file as errors show it.
func parseFile(name, path string, data []byte) (*node, *Error) {
	// A byte-order mark (Notepad writes one) is no part of the document.
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, &Error{File: name, Msg: "file holds a NUL byte; it is not a text config file"}
	}
	var root *node
	var perr *Error
	if format(path) == "toml" {
		root, perr = parseTOML(name, data)
	} else {
		root, perr = parseYAML(name, data)
	}
	if perr != nil {
		if strings.HasPrefix(perr.Msg, "syntax error") {
			perr.Excerpt = excerpt(data, perr.Line, perr.Col)
		}
		return nil, perr
	}
	return root, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func parseYAML(name string, data []byte) (*node, *Error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if yamlDepthError(err) {
			return nil, &Error{File: name, Msg: tooDeep()}
		}
		// yaml.v3 gives a line (mostly); goccy gives line and column. Where
		// they disagree, the later line is the mistake: yaml.v3 names the
		// line where the construct it could not finish began (the line
		// before an unclosed bracket's or a bad indent's), goccy the first
		// token it could not place, but for an indented key, which it puts
		// on the key before it. The message goes with the position.
		e := &Error{File: name, Msg: "syntax error: " + strings.TrimPrefix(firstLine(err.Error()), "yaml: ")}
		if m := yamlLineRE.FindStringSubmatch(firstLine(err.Error())); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = "syntax error: " + m[2]
		}
		if p, msg, ok := yamlSyntaxPos(data); ok && p.line >= e.Line {
			e.Line, e.Col, e.Msg = p.line, p.col, "syntax error: "+msg
		}
		e.Msg = ansi.Escape(e.Msg)
		return nil, e
	}
	if err := yamlBounds(name, &doc); err != nil {
		return nil, err
	}
	root := &node{kids: map[string]*node{}}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return root, nil // an empty file: all defaults
	}
	top := resolveAlias(doc.Content[0])
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return root, nil
	}
	if top.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: top.Line, Col: top.Column, Msg: "the file must be a mapping of keys (key: value)"}
	}
	if err := yamlMapping(name, top, root); err != nil {
		return nil, err
	}
	return root, nil
}

// yamlSyntaxPos asks a second parser where a syntax error is, since yaml.v3
// gives the line only. The document's meaning still comes from yaml.v3 (the
// parser viper uses); this one only points at the mistake.
func yamlSyntaxPos(data []byte) (pos, string, bool) {
	if len(data) > maxSyntaxHelp {
		return pos{}, "", false
	}
	_, err := goparser.ParseBytes(data, 0)
	var se *goyaml.SyntaxError
	if !errors.As(err, &se) || se.Token == nil || se.Token.Position == nil {
		return pos{}, "", false
	}
	return pos{se.Token.Position.Line, se.Token.Position.Column}, se.Message, true
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func yamlMapping(name string, m *yaml.Node, into *node) *Error {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], resolveAlias(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return &Error{File: name, Line: k.Line, Col: k.Column, Msg: "syntax error: a key must be a plain name"}
		}
		if prev, dup := into.kids[k.Value]; dup {
			return &Error{File: name, Line: k.Line, Col: k.Column,
				Msg: fmt.Sprintf("syntax error: key %q is already set at line %d", k.Value, prev.key.line)}
		}
		kid := &node{key: pos{k.Line, k.Column}, val: pos{v.Line, v.Column}}
		if v.Kind == yaml.MappingNode {
			kid.kids = map[string]*node{}
			if err := yamlMapping(name, v, kid); err != nil {
				return err
			}
		} else if err := v.Decode(&kid.value); err != nil {
			return &Error{File: name, Line: v.Line, Col: v.Column, Msg: "syntax error: " + strings.TrimPrefix(firstLine(err.Error()), "yaml: ")}
		}
		into.add(k.Value, kid)
	}
	return nil
}

func parseTOML(name string, data []byte) (*node, *Error) {
	if err := tomlBounds(name, data); err != nil {
		return nil, err
	}
	var tree map[string]any
	if err := toml.Unmarshal(data, &tree); err != nil {
		e := &Error{File: name, Msg: "syntax error: " + firstLine(err.Error())}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			e.Line, e.Col = de.Position()
			e.Msg = "syntax error: " + strings.TrimPrefix(firstLine(de.Error()), "toml: ")
			if strings.Contains(e.Msg, "nested more than the maximum") {
				e.Msg = tooDeep() // go-toml's own limit, far above ours
			}
		}
		return nil, e
	}
	keyPos, valPos := tomlPositions(data)
	root := &node{kids: map[string]*node{}}
	tomlTree(tree, nil, root, keyPos, valPos)
	return root, nil
}

// tomlTree builds nodes from a decoded TOML table, in file order.
func tomlTree(m map[string]any, path []string, into *node, keyPos, valPos map[string]pos) {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := keyPos[tomlPath(path, names[i])], keyPos[tomlPath(path, names[j])]
		if a.line != b.line {
			return a.line < b.line
		}
		return a.col < b.col
	})
	for _, k := range names {
		p := tomlPath(path, k)
		kid := &node{key: keyPos[p], val: valPos[p]}
		if kid.val == (pos{}) {
			kid.val = kid.key
		}
		if sub, ok := m[k].(map[string]any); ok {
			kid.kids = map[string]*node{}
			tomlTree(sub, append(path[:len(path):len(path)], k), kid, keyPos, valPos)
		} else {
			kid.value = m[k]
		}
		into.add(k, kid)
	}
}

func tomlPath(path []string, k string) string {
	return strings.Join(append(path[:len(path):len(path)], k), "\x00")
}

// tomlPositions finds where each key path is first written and where its
// value starts. Only call it on a document toml.Unmarshal accepted.
func tomlPositions(data []byte) (keyPos, valPos map[string]pos) {
	keyPos, valPos = map[string]pos{}, map[string]pos{}
	var p unstable.Parser
	p.Reset(data)
	shape := func(n *unstable.Node) pos {
		s := p.Shape(n.Raw)
		return pos{s.Start.Line, s.Start.Column}
	}
	var keyValue func(prefix []string, kv *unstable.Node)
	walkKey := func(prefix []string, it unstable.Iterator) []string {
		path := prefix[:len(prefix):len(prefix)]
		for it.Next() {
			part := it.Node()
			path = append(path, string(part.Data))
			if _, seen := keyPos[strings.Join(path, "\x00")]; !seen {
				keyPos[strings.Join(path, "\x00")] = shape(part)
			}
		}
		return path
	}
	keyValue = func(prefix []string, kv *unstable.Node) {
		path := walkKey(prefix, kv.Key())
		val := kv.Value()
		valPos[strings.Join(path, "\x00")] = shape(val)
		if val.Kind == unstable.InlineTable {
			for it := val.Children(); it.Next(); {
				keyValue(path, it.Node())
			}
		}
	}
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = walkKey(nil, e.Key())
		case unstable.KeyValue:
			keyValue(table, e)
		}
	}
	return keyPos, valPos
}
