// Package prefixed puts a prefix in front of every line written through a
// Writer: the name of the process whose output it is, as a Procfile runner
// does ("worker | started"); or, for a log in JSON, makes every line a
// record of its own.
package prefixed

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
)

// Writer writes to an underlying writer with a prefix at the start of each
// line. A line written in pieces gets the prefix once. Each Write goes to
// the underlying writer in one call, so that lines from several Writers
// sharing it do not mix within a write.
type Writer struct {
	w io.Writer

	mu     sync.Mutex
	prefix func() string // nil for none
	mid    bool          // the last write ended inside a line
	buf    bytes.Buffer
	rec    *records // set: lines are records, not text
}

// records is where a Writer's lines go as log records.
type records struct {
	log            *slog.Logger
	source, stream string
	line           []byte // the line so far
}

// maxRecord bounds one line kept for a record; the rest of a longer line
// is a record of its own.
const maxRecord = 64 << 10

// New returns a Writer to w with prefix ("" for none).
func New(w io.Writer, prefix string) *Writer {
	p := &Writer{w: w}
	p.SetPrefix(prefix)
	return p
}

// SetPrefix changes the prefix from the next line on.
func (p *Writer) SetPrefix(prefix string) {
	if prefix == "" {
		p.SetPrefixFunc(nil)
		return
	}
	p.SetPrefixFunc(func() string { return prefix })
}

// SetPrefixFunc makes the prefix of each line from the next on what f
// returns as the line starts (a time stamp, say); nil for none.
func (p *Writer) SetPrefixFunc(f func() string) {
	p.mu.Lock()
	p.prefix = f
	p.mu.Unlock()
}

// SetRecords makes each line from the next on a record of log, its text
// the message, with source ("app", a process's name) and stream ("stdout",
// "stderr") as attributes: nothing a process prints can pass for a record
// of devserver's own, which have no stream. nil writes lines again.
func (p *Writer) SetRecords(log *slog.Logger, source, stream string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if log == nil {
		p.rec = nil
		return
	}
	p.rec = &records{log: log, source: source, stream: stream}
}

// EndLine ends a line left partial by the last write: the output of the
// next process starts on a line of its own.
func (p *Writer) EndLine() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rec != nil {
		p.rec.flush()
		return
	}
	if p.mid {
		p.mid = false
		_, _ = p.w.Write([]byte{'\n'})
	}
}

// write takes b as part of lines, and logs each line that ends.
func (r *records) write(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			n := min(len(b), maxRecord-len(r.line))
			r.line = append(r.line, b[:n]...)
			if b = b[n:]; len(r.line) == maxRecord {
				r.flush()
			}
			continue
		}
		r.line = append(r.line, b[:i]...)
		r.flush()
		b = b[i+1:]
	}
}

func (r *records) flush() {
	if len(r.line) == 0 {
		return
	}
	msg := string(bytes.TrimSuffix(r.line, []byte{'\r'}))
	r.log.LogAttrs(context.Background(), slog.LevelInfo, msg, slog.String("source", r.source), slog.String("stream", r.stream))
	r.line = r.line[:0]
}

// Write writes b with the prefix before each line that starts in it. It
// reports len(b) written once the underlying writer took it all.
func (p *Writer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rec != nil {
		p.rec.write(b)
		return len(b), nil
	}
	if p.prefix == nil {
		if len(b) > 0 {
			p.mid = b[len(b)-1] != '\n'
		}
		return p.w.Write(b)
	}
	p.buf.Reset()
	for rest := b; len(rest) > 0; {
		if !p.mid {
			p.buf.WriteString(p.prefix())
		}
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		p.buf.Write(line)
		rest = rest[len(line):]
		p.mid = line[len(line)-1] != '\n'
	}
	if _, err := p.w.Write(p.buf.Bytes()); err != nil {
		return 0, err
	}
	if p.buf.Cap() > 64<<10 {
		p.buf = bytes.Buffer{} // a large write once does not stay in memory
	}
	return len(b), nil
}
