package reload

import (
	"bytes"
	"strings"
	"sync"
)

// tail keeps the last lines written to it, for error pages. It is safe for
// concurrent writers (an app's stdout and stderr).
type tail struct {
	mu    sync.Mutex
	max   int
	lines []string
	part  []byte // an unfinished last line
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	data := append(t.part, p...)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		t.lines = append(t.lines, string(data[:i]))
		data = data[i+1:]
	}
	if over := len(t.lines) - t.max; over > 0 {
		t.lines = append(t.lines[:0:0], t.lines[over:]...)
	}
	if len(data) > 4096 { // a line without end: keep its end
		data = data[len(data)-4096:]
	}
	t.part = append([]byte(nil), data...)
	return len(p), nil
}

// String returns the kept lines, each ending in a newline.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	for _, l := range t.lines {
		b.WriteString(l + "\n")
	}
	if len(t.part) > 0 {
		b.Write(t.part)
		b.WriteString("\n")
	}
	return b.String()
}
