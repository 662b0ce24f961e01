package reload

import (
	"strings"
	"testing"
)

// TestTailIsBounded: an app that prints without end (a minified bundle in
// one line, a loop of errors) costs the error page a bounded amount.
func TestTailIsBounded(t *testing.T) {
	tl := newTail(40)
	long := strings.Repeat("x", 1<<20)
	for range 8 {
		tl.Write([]byte("main.go:3: error " + long + "\n"))
	}
	tl.Write([]byte(strings.Repeat("y", 3<<20))) // no newline yet
	got := tl.String()
	if len(got) > 40*(maxLine+64)+maxLine+1 {
		t.Errorf("kept %d bytes", len(got))
	}
	first, _, _ := strings.Cut(got, "\n")
	if !strings.HasPrefix(first, "main.go:3: error xxx") || !strings.HasSuffix(first, "more bytes)") {
		t.Errorf("a long line keeps its start and says what was cut: %.60q…%q", first, first[len(first)-30:])
	}
	for i := range 100 {
		tl.Write([]byte(strings.Repeat("z", i) + "\n"))
	}
	got = tl.String()
	if n := strings.Count(got, "\n"); n != 41 || !strings.HasPrefix(got, "… (68 earlier lines not kept)\n") {
		t.Errorf("%d lines kept, want 40 and one that counts the 68 let go:\n%.80q", n, got)
	}
}
