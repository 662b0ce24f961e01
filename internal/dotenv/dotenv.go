// Package dotenv reads .env files as the dotenv tools of most stacks write
// them: KEY=value lines, comments, `export`, single quotes (literal),
// double quotes (escapes, and ${VAR} expanded), and unquoted values (${VAR}
// and $VAR expanded, a # after a space starting a comment).
//
// Its cost is bounded by what it is given: one pass over the bytes, each
// value at most MaxValue bytes once expanded and all of them together at
// most MaxTotal, so a small file that doubles a variable on every line
// cannot grow memory. A value over a bound, a NUL in a value (no OS passes
// one to a process) and an unclosed quote are errors naming their line; the
// variable is left unset and the lines after it are still read.
//
// It reads bytes it is given; it opens no file and sets no variable.
package dotenv

import (
	"fmt"
	"strings"
)

// MaxValue bounds one value once expanded, well below the 128 KiB that
// Linux allows one NAME=value string at exec (MAX_ARG_STRLEN) and the 32,767
// characters of a Windows variable is about as large.
const MaxValue = 64 << 10

// MaxTotal bounds all the values of one file together, once expanded: the
// size a config file may have.
const MaxTotal = 1 << 20

// Var is one variable a file sets, with the line that set it.
type Var struct {
	Name, Value string
	Line        int
}

// LineError is a line Parse could not read. Name is the variable the line
// sets, when that much could be read.
type LineError struct {
	Line int
	Name string
	Msg  string
}

// Error says "line N: NAME: what is wrong".
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Detail()) }

// Detail is the error without its line: "NAME: what is wrong".
func (e *LineError) Detail() string {
	if e.Name == "" {
		return e.Msg
	}
	return e.Name + ": " + e.Msg
}

// Parse reads data. lookup gives the value of a variable a value refers to
// that the file has not set before (devserver's own environment); it may
// be nil. Lines it cannot read are returned as *LineError values; the
// others are still read.
func Parse(data []byte, lookup func(string) (string, bool)) ([]Var, []*LineError) {
	p := parser{text: strings.ReplaceAll(string(data), "\r\n", "\n"), set: map[string]string{}, lookup: lookup}
	for p.pos < len(p.text) {
		p.line1()
	}
	return p.vars, p.errs
}

// parser is one pass over a file's text.
type parser struct {
	text   string
	pos    int // the start of the next line
	line   int // the number of the line at pos, less one
	set    map[string]string
	lookup func(string) (string, bool)
	total  int // bytes of values kept so far
	vars   []Var
	errs   []*LineError
	// unclosed[q] is the smallest offset a search for quote q's end failed
	// from (0: none did). A search from a later offset fails too: the one
	// from the earlier offset passed it in step, so every file costs one
	// scan for its unclosed quotes, not one per line that opens one.
	unclosed [2]int
}

// line1 reads the line at p.pos, and the lines a quoted value spans.
func (p *parser) line1() {
	p.line++
	n, start := p.line, p.pos
	end := strings.IndexByte(p.text[start:], '\n')
	if end < 0 {
		end = len(p.text)
	} else {
		end += start
	}
	p.pos = end + 1
	line := strings.TrimSpace(p.text[start:end])
	if line == "" || strings.HasPrefix(line, "#") {
		return
	}
	line = strings.TrimPrefix(line, "export ")
	name, raw, ok := strings.Cut(line, "=")
	name = strings.TrimSpace(name)
	if !ok || !validName(name) {
		p.fail(n, "", "not NAME=value")
		return
	}
	raw = strings.TrimLeft(raw, " \t")
	var value, msg string
	if q := quote(raw); q != 0 {
		eq := start + strings.IndexByte(p.text[start:end], '=')
		value, msg = p.quoted(q, eq+1+strings.IndexByte(p.text[eq+1:end], q)+1)
	} else {
		value, msg = p.unquoted(raw)
	}
	if msg != "" {
		p.fail(n, name, msg+"; left unset")
		return
	}
	if strings.IndexByte(value, 0) >= 0 {
		p.fail(n, name, "the value holds a NUL byte, which no process can be given; left unset")
		return
	}
	if p.total+len(value) > MaxTotal {
		p.fail(n, name, fmt.Sprintf("the file's values pass %d KiB in all; left unset", MaxTotal>>10))
		return
	}
	p.total += len(value)
	p.set[name] = value
	p.vars = append(p.vars, Var{Name: name, Value: value, Line: n})
}

func (p *parser) fail(line int, name, msg string) {
	p.errs = append(p.errs, &LineError{Line: line, Name: name, Msg: msg})
}

// quoted reads a value whose quote q opens just before offset from; it may
// go on over several lines, which are then read.
func (p *parser) quoted(q byte, from int) (string, string) {
	end := p.closing(q, from)
	if end < 0 {
		return "", fmt.Sprintf("no closing %c for the quote on this line", q)
	}
	body := p.text[from:end]
	if nl := strings.Count(body, "\n"); nl > 0 {
		p.line += nl
		next := strings.IndexByte(p.text[end:], '\n')
		if next < 0 {
			p.pos = len(p.text)
		} else {
			p.pos = end + next + 1
		}
	}
	if q == '\'' {
		if len(body) > MaxValue {
			return "", tooLong
		}
		return body, ""
	}
	return p.expand(unescape(body))
}

// closing is the offset of the quote that closes a value opened by q just
// before from, or -1.
func (p *parser) closing(q byte, from int) int {
	k := 0
	if q == '"' {
		k = 1
	}
	if p.unclosed[k] > 0 && from >= p.unclosed[k] {
		return -1
	}
	for i := from; i < len(p.text); i++ {
		switch {
		case p.text[i] == '\\' && q == '"':
			i++
		case p.text[i] == q:
			return i
		}
	}
	p.unclosed[k] = from
	return -1
}

// unquoted reads a value up to a comment.
func (p *parser) unquoted(raw string) (string, string) {
	if i := strings.Index(raw, " #"); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.Index(raw, "\t#"); i >= 0 {
		raw = raw[:i]
	}
	return p.expand(strings.TrimSpace(raw))
}

const tooLong = "the value is over 64 KiB once expanded"

// expand replaces ${VAR} and $VAR, stopping as soon as the result passes
// MaxValue.
func (p *parser) expand(s string) (string, string) {
	if len(s) > MaxValue {
		return "", tooLong
	}
	if !strings.Contains(s, "$") {
		return s, ""
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		name, width := varName(s[i+1:])
		if width == 0 {
			b.WriteByte('$')
			continue
		}
		v := p.get(name)
		if b.Len()+len(v) > MaxValue {
			return "", tooLong
		}
		b.WriteString(v)
		i += width
	}
	if b.Len() > MaxValue {
		return "", tooLong
	}
	return b.String(), ""
}

// varName reads the name after a $: {NAME} or NAME; width is how many
// bytes it took, 0 when there is no name.
func varName(s string) (name string, width int) {
	if s[0] == '{' {
		end := strings.IndexByte(s, '}')
		if end < 2 {
			return "", 0
		}
		return s[1:end], end + 1
	}
	n := 0
	for n < len(s) && (s[n] == '_' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= 'a' && s[n] <= 'z' || n > 0 && s[n] >= '0' && s[n] <= '9') {
		n++
	}
	return s[:n], n
}

func (p *parser) get(name string) string {
	if v, ok := p.set[name]; ok {
		return v
	}
	if p.lookup != nil {
		v, _ := p.lookup(name)
		return v
	}
	return ""
}

// unescape reads the escapes of a double-quoted value.
func unescape(body string) string {
	if !strings.Contains(body, `\`) {
		return body
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 == len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String()
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
