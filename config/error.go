package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/devserver/devserver/internal/errorpage/ansi"
)

// Error is one problem with the configuration, located where the user can fix
// it: a file position, an environment variable or a flag.
type Error struct {
	File      string // config file as the user would name it; "" when not from a file
	Line, Col int    // 1-based; 0 when unknown
	Env       string // environment variable, when the value came from one
	Flag      string // flag or argument, when the value came from one ("--port", "ADDRPORT")
	Key       string // dotted key path, "" for problems with the file as a whole
	Value     string // the offending value as the user wrote it, if any
	Allowed   []string
	Msg       string // what is wrong, and what is allowed
	// Excerpt is the line at Line and the one before it, with a caret
	// under Col, for a syntax error; "" when there is none.
	Excerpt string
}

// Error formats the problem as file:line:col: key: message. What came
// from a file or the environment (a key's name, a path) is escaped: a
// control character in it cannot drive the terminal the error is shown on.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "":
		b.WriteString(ansi.Escape(e.File))
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
			if e.Col > 0 {
				fmt.Fprintf(&b, ":%d", e.Col)
			}
		}
	case e.Env != "":
		b.WriteString("env " + ansi.Escape(e.Env))
	case e.Flag != "":
		b.WriteString(ansi.Escape(e.Flag))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(ansi.Escape(e.Key) + ": ")
	}
	for i, line := range strings.Split(e.Msg, "\n") {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(ansi.Escape(line))
	}
	if e.Excerpt != "" {
		b.WriteString("\n" + e.Excerpt)
	}
	return b.String()
}

// excerpt shows line (and the one before it) of data with a caret under
// col: where a syntax error is, as a compiler shows it. Tabs are kept so
// that the caret lines up; control characters are escaped.
func excerpt(data []byte, line, col int) string {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	var b strings.Builder
	width := len(fmt.Sprint(line))
	for n := max(1, line-1); n <= line; n++ {
		text := strings.TrimRight(lines[n-1], "\r")
		if len(text) > 200 {
			text = text[:200] + " …"
		}
		fmt.Fprintf(&b, "  %*d | %s\n", width, n, ansi.Escape(strings.ReplaceAll(text, "\t", "    ")))
	}
	if col > 0 {
		prefix := lines[line-1][:min(col-1, len(lines[line-1]))]
		pad := len([]rune(strings.ReplaceAll(prefix, "\t", "    ")))
		fmt.Fprintf(&b, "  %*s | %s^", width, "", strings.Repeat(" ", min(pad, 200)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// maxErrors caps how many problems are listed at once.
const maxErrors = 10

// ErrorList is every problem found in one load, sorted by file and position.
// It unwraps to its *Error values, so errors.As finds the first.
type ErrorList []*Error

// Error lists the problems one per line, at most maxErrors of them.
func (l ErrorList) Error() string {
	lines := make([]string, 0, len(l))
	for i, e := range l {
		if i == maxErrors {
			lines = append(lines, fmt.Sprintf("… and %d more", len(l)-maxErrors))
			break
		}
		lines = append(lines, e.Error())
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// errs collects problems during a load.
type errs struct {
	list     ErrorList
	warnings ErrorList // what is said but does not stop a load
}

func (c *errs) add(e *Error) { c.list = append(c.list, e) }

// warn records a doubt at a source position: said, never refused.
func (c *errs) warn(src Source, msg string) {
	c.warnings = append(c.warnings, &Error{File: src.File, Line: src.Line, Col: src.Col, Env: src.Env, Flag: src.flagName(), Msg: msg})
}

// at records a problem at a source position.
func (c *errs) at(src Source, key, msg string) {
	c.add(&Error{File: src.File, Line: src.Line, Col: src.Col, Env: src.Env, Flag: src.flagName(), Key: key, Msg: msg})
}

// err returns the sorted, de-duplicated list, or nil.
func (c *errs) err() error {
	if len(c.list) == 0 {
		return nil
	}
	l := slices.Clone(c.list)
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(origin(a), origin(b)),
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Env, b.Env),
			cmp.Compare(a.Flag, b.Flag),
			cmp.Compare(a.Error(), b.Error()),
		)
	})
	l = slices.CompactFunc(l, func(a, b *Error) bool { return a.Error() == b.Error() })
	return l
}

// origin orders file problems first, then environment, then flags.
func origin(e *Error) int {
	switch {
	case e.File != "":
		return 0
	case e.Env != "":
		return 1
	case e.Flag != "":
		return 2
	}
	return 3
}

// Suggest returns the known name nearest to name, or "" when none is
// close: the did-you-mean of keys, profiles and the command line's flags.
func Suggest(name string, known []string) string { return suggest(name, known) }

// suggest returns the known name nearest to name, or "" when none is close.
// A name whose last part matches a key elsewhere ("interval" for
// "watch.interval") is suggested too.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	leaf := name[strings.LastIndex(name, ".")+1:]
	for _, k := range known {
		if d := editDistance(name, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return best
	}
	for _, k := range known {
		if strings.HasSuffix(k, "."+leaf) || k == leaf {
			return k
		}
	}
	return ""
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours cost 1.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
