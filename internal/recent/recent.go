// Package recent keeps the last lines each source printed (a unit's
// output, the browser's errors), bounded, for `devserver logs` and the
// agents' tools, and hands the lines that follow to whoever follows them.
// Nothing a source prints can block it: a follower too slow to keep up
// loses lines, and is told how many.
package recent

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/devserver/devserver/internal/errorpage/ansi"
)

// Bounds: lines kept per source, the bytes of one line (the rest is cut),
// the sources kept (the oldest goes), and the lines a follower may fall
// behind by.
const (
	MaxLines     = 1000
	MaxLineBytes = 2048
	maxSources   = 64
	followBuffer = 256
)

// Line is one line a source printed, without its colours.
type Line struct {
	Time   time.Time `json:"time"`
	Source string    `json:"source"` // the unit, or "browser"
	Stream string    `json:"stream"` // "stdout", "stderr", or "error" for the browser's
	Text   string    `json:"text"`
}

// Log is the recent lines of every source. The zero value is ready.
type Log struct {
	mu      sync.Mutex
	rings   map[string]*ring
	order   []string // sources, oldest first
	follows map[*follower]bool
}

// init makes the zero Log's maps; l.mu is held.
func (l *Log) init() {
	if l.rings == nil {
		l.rings, l.follows = map[string]*ring{}, map[*follower]bool{}
	}
}

type ring struct {
	lines []Line
	next  int // where the next line goes once full
}

type follower struct {
	source string
	c      chan Line
}

// Add keeps a line and hands it to the followers of its source.
func (l *Log) Add(line Line) {
	line.Text = clip(line.Text)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	r := l.rings[line.Source]
	if r == nil {
		if len(l.order) == maxSources {
			delete(l.rings, l.order[0])
			l.order = l.order[1:]
		}
		r = &ring{}
		l.rings[line.Source] = r
		l.order = append(l.order, line.Source)
	}
	if len(r.lines) < MaxLines {
		r.lines = append(r.lines, line)
	} else {
		r.lines[r.next] = line
		r.next = (r.next + 1) % MaxLines
	}
	for f := range l.follows {
		if f.source == "" || f.source == line.Source {
			select {
			case f.c <- line:
			default: // too slow: the line is lost to it, never to the source
			}
		}
	}
}

// Last returns the last n lines of source ("" for every source, in the
// order they came), oldest first.
func (l *Log) Last(source string, n int) []Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Line
	for name, r := range l.rings {
		if source == "" || name == source {
			out = append(out, r.lines[r.next:]...)
			out = append(out, r.lines[:r.next]...)
		}
	}
	slices.SortStableFunc(out, func(a, b Line) int { return a.Time.Compare(b.Time) })
	if n >= 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// Follow returns the lines of source ("" for all) added from now on,
// until stop is called.
func (l *Log) Follow(source string) (lines <-chan Line, stop func()) {
	f := &follower{source: source, c: make(chan Line, followBuffer)}
	l.mu.Lock()
	l.init()
	l.follows[f] = true
	l.mu.Unlock()
	var once sync.Once
	return f.c, func() {
		once.Do(func() {
			l.mu.Lock()
			delete(l.follows, f)
			l.mu.Unlock()
		})
	}
}

// Writer returns a writer whose output becomes lines of source on stream.
// A line longer than MaxLineBytes is cut there.
func (l *Log) Writer(source, stream string) io.Writer {
	return &writer{log: l, source: source, stream: stream}
}

type writer struct {
	log            *Log
	source, stream string
	mu             sync.Mutex
	part           []byte // a line not ended yet, up to MaxLineBytes
}

func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.part = append(w.part, p[:min(len(p), MaxLineBytes-len(w.part))]...)
			break
		}
		w.part = append(w.part, p[:min(i, MaxLineBytes-len(w.part))]...)
		w.log.Add(Line{Time: time.Now(), Source: w.source, Stream: w.stream, Text: string(bytes.TrimSuffix(w.part, []byte("\r")))})
		w.part = w.part[:0]
		p = p[i+1:]
	}
	return n, nil
}

// EndLine makes a line of what was written after the last newline, if
// anything was.
func (w *writer) EndLine() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.part) > 0 {
		w.log.Add(Line{Time: time.Now(), Source: w.source, Stream: w.stream, Text: string(w.part)})
		w.part = w.part[:0]
	}
}

// clip takes the colours out of a line and bounds it; a rune a cut split
// (here, or the writer's) goes.
func clip(s string) string {
	s = ansi.Strip(s)
	if len(s) > MaxLineBytes {
		s = s[:MaxLineBytes]
	}
	return strings.ToValidUTF8(s, "")
}
