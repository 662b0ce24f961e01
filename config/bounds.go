package config

import (
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
	"go.yaml.in/yaml/v3"
)

// What one config file may hold, so that a hostile or broken file costs
// little to refuse: a YAML file of nested aliases (a "billion laughs" of
// 824 bytes) would otherwise expand to gigabytes, and deep nesting costs
// the cube of its depth to decode. The schema is at most six levels deep
// (profiles.NAME.app.env.NAME) and a large real config has a few hundred
// keys and values; these limits are far above both. They are checked on the
// syntax tree, which the parsers build in time linear in the file's size
// (itself at most maxFileSize), before anything expands an alias or decodes
// a value.
const (
	maxDepth  = 16     // levels of mappings, tables and lists
	maxValues = 10_000 // keys and values, aliases expanded
	// maxSyntaxHelp is the largest file the second YAML parser reads to
	// place a syntax error: its cost grows with the square of the nesting.
	maxSyntaxHelp = 64 << 10
)

func tooDeep() string {
	return fmt.Sprintf("nested more than %d levels deep (allowed: %d; a config needs far fewer)", maxDepth, maxDepth)
}

func tooMany(how string) string {
	return fmt.Sprintf("%s more than %d keys and values (allowed: %d; a config needs far fewer)", how, maxValues, maxValues)
}

// yamlBounds checks a parsed YAML document against maxDepth and maxValues
// with every alias counted as what it stands for, without expanding any:
// each anchored value is measured once.
func yamlBounds(name string, doc *yaml.Node) *Error {
	m := yamlMeasure{name: name, measured: map[*yaml.Node]extent{}, open: map[*yaml.Node]bool{}}
	for _, n := range doc.Content {
		if _, err := m.walk(n, 1); err != nil {
			return err
		}
	}
	return nil
}

// extent is what a value expands to: how many nodes, how many levels below.
type extent struct{ values, height int }

type yamlMeasure struct {
	name     string
	values   int                   // nodes counted so far, aliases expanded
	measured map[*yaml.Node]extent // anchored values, once measured
	open     map[*yaml.Node]bool   // anchored values being measured
}

func (m *yamlMeasure) errAt(n *yaml.Node, msg string) *Error {
	return &Error{File: m.name, Line: n.Line, Col: n.Column, Msg: msg}
}

// walk measures n, found depth levels down, and adds it to the count.
func (m *yamlMeasure) walk(n *yaml.Node, depth int) (extent, *Error) {
	if depth > maxDepth {
		return extent{}, m.errAt(n, tooDeep())
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		if m.open[n.Alias] {
			return extent{}, m.errAt(n, fmt.Sprintf("alias *%s is used inside the value it names", n.Value))
		}
		e, ok := m.measured[n.Alias]
		if !ok { // not reached while yaml.v3 refuses aliases before their anchors; walking it is the safe answer
			var err *Error
			if e, err = m.walk(n.Alias, depth); err != nil {
				return extent{}, err
			}
			return e, nil
		}
		if depth+e.height > maxDepth {
			return extent{}, m.errAt(n, fmt.Sprintf("alias *%s: %s", n.Value, tooDeep()))
		}
		if m.values += e.values; m.values > maxValues {
			return extent{}, m.errAt(n, fmt.Sprintf("alias *%s: %s", n.Value, tooMany("the file expands to")))
		}
		return e, nil
	}
	start := m.values
	if m.values++; m.values > maxValues {
		return extent{}, m.errAt(n, tooMany("the file holds"))
	}
	if n.Anchor != "" {
		m.open[n] = true
		defer delete(m.open, n)
	}
	var e extent
	for _, kid := range n.Content {
		k, err := m.walk(kid, depth+1)
		if err != nil {
			return extent{}, err
		}
		e.height = max(e.height, k.height+1)
	}
	e.values = m.values - start
	if n.Anchor != "" {
		m.measured[n] = e
	}
	return e, nil
}

// yamlDepthError is yaml.v3's own refusal of deep nesting.
func yamlDepthError(err error) bool {
	return strings.Contains(err.Error(), "exceeded max depth")
}

// tomlBounds checks a TOML document against maxDepth and maxValues. go-toml
// limits the nesting of arrays and inline tables (to 10,000) but not the
// length of a dotted key: a = 1 under [a.b.c…] with thousands of parts. A
// document that does not parse passes, for toml.Unmarshal to report.
func tomlBounds(name string, data []byte) *Error {
	var p unstable.Parser
	p.Reset(data)
	values := 0
	at := func(n *unstable.Node, msg string) *Error {
		s := p.Shape(n.Raw)
		return &Error{File: name, Line: s.Start.Line, Col: s.Start.Column, Msg: msg}
	}
	keyLen := func(n *unstable.Node) int {
		k := 0
		for it := n.Key(); it.Next(); {
			k++
		}
		return k
	}
	var value func(v *unstable.Node, depth int) *Error
	value = func(v *unstable.Node, depth int) *Error {
		if depth > maxDepth {
			return at(v, tooDeep())
		}
		if values++; values > maxValues {
			return at(v, tooMany("the file holds"))
		}
		for it := v.Children(); it.Next(); {
			kid := it.Node()
			d := depth + 1
			if kid.Kind == unstable.KeyValue { // in an inline table
				d = depth + keyLen(kid)
				kid = kid.Value()
			}
			if err := value(kid, d); err != nil {
				return err
			}
		}
		return nil
	}
	table := 0
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			if table = keyLen(e); table > maxDepth {
				return at(e, tooDeep())
			}
		case unstable.KeyValue:
			if err := value(e.Value(), table+keyLen(e)); err != nil {
				return err
			}
		}
	}
	return nil
}
