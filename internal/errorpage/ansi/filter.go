package ansi

import (
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Filter is a Writer for what an app prints on its way to devserver's
// terminal: text, tabs, newlines, SGR colours ("\x1b[31m") and OSC 8 links
// pass; every other escape sequence is dropped (OSC 52 clipboard writes,
// OSC 0 titles, DCS, APC, PM and SOS strings, and CSI sequences that move
// the cursor or clear the screen), as are other C0 controls; a lone
// carriage return ends the line. Apps print request data raw, so a client
// of the app could otherwise write to the developer's clipboard, retitle
// the terminal or overwrite devserver's own lines.
//
// Sequences may span writes; one longer than 4 KiB is read to its end and
// dropped whole. A Filter is safe for concurrent use (a build's output and
// the app's may be written at once), each Write passing whole.
type Filter struct {
	mu    sync.Mutex
	w     io.Writer
	state state
	seq   []byte // the sequence being read, from its ESC
	long  bool   // it grew past maxSeq: read to its end, then dropped
	cr    bool   // a carriage return waits to see if a newline follows
	out   []byte
}

type state uint8

const (
	ground    state = iota
	escape          // after ESC
	csi             // after ESC [
	osc             // after ESC ]: until BEL or ESC \
	str             // DCS, SOS, PM, APC: until ESC \
	stringEsc       // an ESC inside osc or str
)

const maxSeq = 4 << 10

// NewFilter returns a Filter that writes to w.
func NewFilter(w io.Writer) *Filter { return &Filter{w: w} }

// Write filters b and writes what passes. It reports len(b) once the
// underlying writer took it.
func (f *Filter) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.out = f.out[:0]
	for _, c := range b {
		f.byte(c)
	}
	if len(f.out) > 0 {
		if _, err := f.w.Write(f.out); err != nil {
			return 0, err
		}
	}
	if cap(f.out) > 64<<10 {
		f.out = nil
	}
	return len(b), nil
}

// EndLine ends what was written: a sequence left open is dropped, and the
// underlying writer, if it can (prefixed.Writer), ends a partial last line:
// the next process's output starts on a line of its own.
func (f *Filter) EndLine() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reset()
	if f.cr {
		f.cr = false
		_, _ = f.w.Write([]byte{'\n'})
	}
	if e, ok := f.w.(interface{ EndLine() }); ok {
		e.EndLine()
	}
}

// byte is the state machine: ECMA-48, as terminals read it.
func (f *Filter) byte(c byte) {
	if f.cr && f.state == ground {
		f.cr = false
		f.out = append(f.out, '\n')
		if c == '\n' {
			return
		}
	}
	switch f.state {
	case ground:
		f.ground(c)
	case escape:
		f.seq = append(f.seq, c)
		switch c {
		case '[':
			f.state = csi
		case ']':
			f.state = osc
		case 'P', 'X', '^', '_':
			f.state = str
		default: // a two-byte sequence (ESC 7, ESC c): none passes
			f.reset()
		}
	case csi:
		f.grow(c)
		if c >= 0x40 && c <= 0x7e {
			if c == 'm' && !f.long && sgrParams(f.seq[2:len(f.seq)-1]) {
				f.out = append(f.out, f.seq...)
			}
			f.reset()
		}
	case osc, str:
		switch c {
		case 0x1b:
			f.state = stringEsc
		case 0x07:
			if f.state == osc {
				f.endOSC()
			}
			f.reset()
		default:
			f.grow(c)
		}
	case stringEsc:
		if c == '\\' && f.seq[1] == ']' {
			f.endOSC()
		}
		f.reset()
		if c != '\\' {
			f.byte(c)
		}
	}
}

func (f *Filter) ground(c byte) {
	switch {
	case c == 0x1b:
		f.state, f.seq = escape, append(f.seq[:0], c)
	case c == '\r':
		f.cr = true
	case c == '\n' || c == '\t' || c >= 0x20 && c != 0x7f:
		f.out = append(f.out, c)
	}
}

// grow adds c to the sequence, up to maxSeq bytes.
func (f *Filter) grow(c byte) {
	if len(f.seq) >= maxSeq {
		f.long = true
		f.seq = f.seq[:2] // its kind is all that is still needed
		return
	}
	if !f.long {
		f.seq = append(f.seq, c)
	}
}

func (f *Filter) reset() { f.state, f.seq, f.long = ground, f.seq[:0], false }

// endOSC passes an OSC 8 link (or its end), written with ST.
func (f *Filter) endOSC() {
	if f.long {
		return
	}
	body := f.seq[2:]
	if len(body) >= 2 && body[0] == '8' && body[1] == ';' && utf8.Valid(body) && !hasControl(body) {
		f.out = append(f.out, f.seq...)
		f.out = append(f.out, 0x1b, '\\')
	}
}

func sgrParams(p []byte) bool {
	for _, c := range p {
		if (c < '0' || c > '9') && c != ';' && c != ':' {
			return false
		}
	}
	return true
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// Escape writes control characters (a tab, a newline and an escape among
// them) and invalid UTF-8 in s as Go escapes (\t, \n, \x1b, \x9b), so that
// a string from a file or a client cannot drive the terminal it is
// printed on.
func Escape(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}
