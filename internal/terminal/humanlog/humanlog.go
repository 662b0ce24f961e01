// Package humanlog is devserver's log as a person reads it: one aligned
// line per event, a short time, the source in a coloured column
// (devserver, http, app, each named process), the message, then the few
// attributes, unquoted:
//
//	12:04:05 app       ready  addr=127.0.0.1:41234 pid=4711
//	12:04:05 http      "GET / HTTP/1.1" 200 512 1.2ms
//	12:04:06 app       │ a line the app printed
//
// The request log and the app's output use Stamp, so that every line of
// the terminal has the same columns.
package humanlog

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/devserver/devserver/internal/errorpage/ansi"
)

// Width is the source column's width; a longer name pushes the line.
const Width = 10

// Handler is a slog.Handler that writes human lines. The "component"
// attribute names the source; without it the source is devserver.
type Handler struct {
	out    *output
	color  bool
	source string
	attrs  string // preformatted, from WithAttrs
	group  string
}

// output is the writer Handlers derived from one New share.
type output struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns a Handler that writes to w, in colour if color.
func New(w io.Writer, color bool) *Handler {
	return &Handler{out: &output{w: w}, color: color, source: "devserver"}
}

// Enabled reports whether level is logged: info and above.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelInfo }

// WithAttrs returns a Handler whose lines carry attrs; "component" sets
// the source instead.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	var b strings.Builder
	b.WriteString(c.attrs)
	for _, a := range attrs {
		if a.Key == "component" && c.group == "" {
			c.source = a.Value.String()
			continue
		}
		c.writeAttr(&b, a)
	}
	c.attrs = b.String()
	return &c
}

// WithGroup returns a Handler whose further attributes are under name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group += name + "."
	return &c
}

// Handle writes r as one line (more if its message has several).
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	source := h.source
	var attrs strings.Builder
	attrs.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "component" && h.group == "" {
			source = a.Value.String()
			return true
		}
		h.writeAttr(&attrs, a)
		return true
	})
	// "app started" from the app's source reads "started". A message may
	// carry a name or a path from a file: its control characters are
	// escaped, its lines kept.
	msg := strings.TrimPrefix(r.Message, source+" ")
	if ansi.Escape(msg) != msg {
		lines := strings.Split(msg, "\n")
		for i, l := range lines {
			lines[i] = ansi.Escape(l)
		}
		msg = strings.Join(lines, "\n")
	}
	switch {
	case r.Level >= slog.LevelError:
		msg = h.paint("31;1", "error: ") + msg
	case r.Level >= slog.LevelWarn:
		msg = h.paint("33", "warning: ") + msg
	}
	line := Stamp(r.Time, source, h.color) + msg + attrs.String() + "\n"
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	_, err := io.WriteString(h.out.w, line)
	return err
}

// writeAttr writes " key=value", the value quoted only when it has spaces
// or is empty, and the key dim.
func (h *Handler) writeAttr(b *strings.Builder, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			g.Key = a.Key + "." + g.Key
			h.writeAttr(b, g)
		}
		return
	}
	v := a.Value.String()
	if v == "" || strings.ContainsAny(v, " \t\"") || ansi.Escape(v) != v {
		v = strconv.Quote(v)
	}
	b.WriteString("  " + h.paint("2", h.group+a.Key+"=") + v)
}

func (h *Handler) paint(code, s string) string {
	if !h.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Stamp is what starts every line: the time and the source's column,
// padded to Width and coloured as that source always is.
func Stamp(t time.Time, source string, color bool) string {
	col := fmt.Sprintf("%-*s", Width, source)
	if !color {
		return t.Format("15:04:05") + " " + col + " "
	}
	return "\x1b[2m" + t.Format("15:04:05") + "\x1b[0m \x1b[" + Color(source) + "m" + col + "\x1b[0m "
}

// Color is the SGR colour of a source: fixed for devserver's own, and for
// the others one of a palette, the same for a name in every run.
func Color(source string) string {
	switch source {
	case "devserver":
		return "34;1"
	case "http":
		return "32"
	case "app":
		return "36"
	}
	palette := []string{"35", "33", "94", "91", "96", "92"}
	h := fnv.New32a()
	h.Write([]byte(source))
	return palette[h.Sum32()%uint32(len(palette))]
}

// OutputPrefix returns the prefix of each line a process prints, for
// internal/terminal/prefixed: a Stamp of the moment and a bar.
func OutputPrefix(source string, color bool) func() string {
	return func() string { return Stamp(time.Now(), source, color) + "│ " }
}
