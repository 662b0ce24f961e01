// Package ansi turns terminal output that carries ANSI escape sequences
// (compilers and test runners colour their errors) into HTML, with the
// colours as styles, or into plain text.
package ansi

import (
	"html"
	"strconv"
	"strings"
)

// Strip returns s without escape sequences (CSI, such as colours and cursor
// moves, and OSC, such as titles and links).
func Strip(s string) string {
	var b strings.Builder
	walk(s, func(text string) { b.WriteString(text) }, func(string) {})
	return b.String()
}

// HTML returns s escaped for HTML, its colours, bold, dim, italic and
// underline (SGR) as spans with inline styles, and every other escape
// sequence left out.
func HTML(s string) string {
	var b strings.Builder
	var st style
	open := false
	walk(s, func(text string) {
		if text == "" {
			return
		}
		if css := st.css(); css != "" && !open {
			b.WriteString(`<span style="` + css + `">`)
			open = true
		}
		b.WriteString(html.EscapeString(text))
	}, func(params string) {
		next := st.apply(params)
		if next != st && open {
			b.WriteString("</span>")
			open = false
		}
		st = next
	})
	if open {
		b.WriteString("</span>")
	}
	return b.String()
}

// walk splits s into text and SGR parameters ("31;1" of "\x1b[31;1m"),
// dropping every other escape sequence.
func walk(s string, text func(string), sgr func(string)) {
	for {
		i := strings.IndexByte(s, 0x1b)
		if i < 0 {
			text(s)
			return
		}
		text(s[:i])
		s = s[i+1:]
		switch {
		case strings.HasPrefix(s, "["): // CSI: parameters, then a final byte
			j := 1
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			if j == len(s) {
				return // cut off
			}
			if s[j] == 'm' {
				sgr(s[1:j])
			}
			s = s[j+1:]
		case strings.HasPrefix(s, "]"): // OSC: up to BEL or ST
			end := strings.IndexAny(s, "\x07\x1b")
			if end < 0 {
				return
			}
			s = strings.TrimPrefix(s[end+1:], "\\")
		case s != "":
			s = s[1:] // a two-byte escape
		}
	}
}

// style is the state SGR sequences set.
type style struct {
	fg                           string // a CSS colour, "" for the default
	bold, dim, italic, underline bool
}

// palette is the 16 colours, as a light page shows them readably.
var palette = [16]string{
	"#000000", "#c0392b", "#1e8449", "#9a7d0a", "#1f5fbf", "#8e44ad", "#117a8b", "#5f6368",
	"#555555", "#e74c3c", "#27ae60", "#b7950b", "#3498db", "#a569bd", "#16a085", "#333333",
}

func (st style) apply(params string) style {
	codes := strings.Split(params, ";")
	for i := 0; i < len(codes); i++ {
		n, _ := strconv.Atoi(codes[i]) // "" is 0, a reset
		switch {
		case n == 0:
			st = style{}
		case n == 1:
			st.bold = true
		case n == 2:
			st.dim = true
		case n == 3:
			st.italic = true
		case n == 4:
			st.underline = true
		case n == 22:
			st.bold, st.dim = false, false
		case n == 23:
			st.italic = false
		case n == 24:
			st.underline = false
		case n >= 30 && n <= 37:
			st.fg = palette[n-30]
		case n >= 90 && n <= 97:
			st.fg = palette[n-90+8]
		case n == 39:
			st.fg = ""
		case n == 38 && i+2 < len(codes) && codes[i+1] == "5":
			if c, err := strconv.Atoi(codes[i+2]); err == nil && c >= 0 && c < 16 {
				st.fg = palette[c]
			}
			i += 2
		case n == 38 && i+4 < len(codes) && codes[i+1] == "2":
			r, _ := strconv.Atoi(codes[i+2])
			g, _ := strconv.Atoi(codes[i+3])
			bl, _ := strconv.Atoi(codes[i+4])
			st.fg = "rgb(" + strconv.Itoa(min(r, 255)) + "," + strconv.Itoa(min(g, 255)) + "," + strconv.Itoa(min(bl, 255)) + ")"
			i += 4
		case n == 48 && i+1 < len(codes): // background: not shown, its arguments skipped
			if codes[i+1] == "5" {
				i += 2
			} else if codes[i+1] == "2" {
				i += 4
			}
		}
	}
	return st
}

func (st style) css() string {
	var parts []string
	if st.fg != "" {
		parts = append(parts, "color:"+st.fg)
	}
	if st.bold {
		parts = append(parts, "font-weight:bold")
	}
	if st.dim {
		parts = append(parts, "opacity:.7")
	}
	if st.italic {
		parts = append(parts, "font-style:italic")
	}
	if st.underline {
		parts = append(parts, "text-decoration:underline")
	}
	return strings.Join(parts, ";")
}
