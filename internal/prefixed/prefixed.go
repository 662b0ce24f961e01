// Package prefixed puts a prefix in front of every line written through a
// Writer: the name of the process whose output it is, as a Procfile runner
// does ("worker | started").
package prefixed

import (
	"bytes"
	"io"
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
}

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

// Write writes b with the prefix before each line that starts in it. It
// reports len(b) written once the underlying writer took it all.
func (p *Writer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
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
