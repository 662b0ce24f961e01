package reload

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/devserver/devserver/internal/errorpage/ansi"
)

// tail keeps the last lines written to it, for error pages. It is safe for
// concurrent writers (an app's stdout and stderr). What it keeps is bounded
// however much is written: max lines of at most maxLine bytes each (a
// longer line keeps its start, where compilers put the file and line).
type tail struct {
	mu      sync.Mutex
	max     int
	lines   []string
	part    []byte // an unfinished last line
	dropped int    // lines let go to keep max
	await   *regexp.Regexp
	matched chan struct{} // closed once a line matches await
}

// awaitLine returns a channel closed once a line written matches re (its
// colours left out); nil for a nil re.
func (t *tail) awaitLine(re *regexp.Regexp) <-chan struct{} {
	if re == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.await, t.matched = re, make(chan struct{})
	return t.matched
}

// tailLines is how many lines of a command's output a failure keeps; the
// error page shows the last of them and the rest on demand.
const tailLines = 500

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
		t.lines = append(t.lines, clip(data[:i]))
		if t.await != nil && t.await.MatchString(ansi.Strip(t.lines[len(t.lines)-1])) {
			close(t.matched)
			t.await = nil
		}
		data = data[i+1:]
	}
	if over := len(t.lines) - t.max; over > 0 {
		t.lines = append(t.lines[:0:0], t.lines[over:]...)
		t.dropped += over
	}
	if len(data) > maxLine { // a line without end: keep its end
		data = data[len(data)-maxLine:]
	}
	t.part = append([]byte(nil), data...)
	return len(p), nil
}

// maxLine is the most of one output line an error page shows.
const maxLine = 4096

// clip returns line, cut to maxLine bytes with a note of what was left out.
func clip(line []byte) string {
	if len(line) <= maxLine {
		return string(line)
	}
	return fmt.Sprintf("%s … (%d more bytes)", bytes.ToValidUTF8(line[:maxLine], nil), len(line)-maxLine)
}

// String returns the kept lines, each ending in a newline, after a line
// that counts those let go, if any.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	if t.dropped > 0 {
		fmt.Fprintf(&b, "… (%d earlier lines not kept)\n", t.dropped)
	}
	for _, l := range t.lines {
		b.WriteString(l + "\n")
	}
	if len(t.part) > 0 {
		b.Write(t.part)
		b.WriteString("\n")
	}
	return b.String()
}
