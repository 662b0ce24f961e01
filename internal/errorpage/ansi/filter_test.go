package ansi

import (
	"strings"
	"testing"
)

type lineEnder struct {
	strings.Builder
	ended int
}

func (l *lineEnder) EndLine() { l.ended++ }

// TestFilterKeepsColoursAndLinksOnly: what an app prints reaches the
// terminal with its colours and links, and without the sequences that
// would write the clipboard, retitle the window, move the cursor or clear
// the screen, whichever way they are split across writes.
func TestFilterKeepsColoursAndLinksOnly(t *testing.T) {
	link := "\x1b]8;;https://example.test/\x1b\\docs\x1b]8;;\x1b\\"
	in := "plain \x1b[31;1mred\x1b[0m " + link + "\n" +
		"clip\x1b]52;c;ZXZpbA==\x07board title\x1b]0;owned\x1b\\ \x1bP1$r\x1b\\dcs\n" +
		"move\x1b[2J\x1b[H\x1b[?25l\x1b[1A\x1b7\x1bc done\tok\x07\x08\n" +
		"progress 1\rprogress 2\r\nnext\r\n"
	want := "plain \x1b[31;1mred\x1b[0m " + link + "\n" +
		"clipboard title dcs\n" +
		"move done\tok\n" +
		"progress 1\nprogress 2\nnext\n"
	for _, chunk := range []int{len(in), 1, 2, 3, 7} {
		var out lineEnder
		f := NewFilter(&out)
		for i := 0; i < len(in); i += chunk {
			f.Write([]byte(in[i:min(i+chunk, len(in))]))
		}
		if out.String() != want {
			t.Errorf("in writes of %d bytes:\n got %q\nwant %q", chunk, out.String(), want)
		}
	}
}

// TestFilterEndsWhatIsLeftOpen: a sequence left open when the process ends
// is dropped, a pending carriage return ends its line, and the writer
// below is told to end a partial line; an endless sequence costs bounded
// memory.
func TestFilterEndsWhatIsLeftOpen(t *testing.T) {
	var out lineEnder
	f := NewFilter(&out)
	f.Write([]byte("half a line\r"))
	f.EndLine()
	f.Write([]byte("\x1b]52;c;" + strings.Repeat("A", 10_000)))
	f.EndLine()
	f.Write([]byte("next run\n"))
	if got := out.String(); got != "half a line\nnext run\n" || out.ended != 2 {
		t.Errorf("got %q, %d ends", got, out.ended)
	}
	if cap(f.seq) > 2*maxSeq {
		t.Errorf("an endless sequence kept %d bytes", cap(f.seq))
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path.go":  "plain/path.go",
		"w\x1b[31m":      `w\x1b[31m`,
		"a\nb\tc\r":      `a\nb\tc\r`,
		"bad\xffbyte":    `bad\xffbyte`,
		"c1\u009bcsi":    `c1\u009bcsi`,
		"unicode é → ok": "unicode é → ok",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}
