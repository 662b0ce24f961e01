package dotenv

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	data := `# a comment
PLAIN=value
export EXPORTED=yes
SPACED = around  # a comment
SINGLE='literal ${PLAIN} # not a comment'
DOUBLE="line\nbreak ${PLAIN} \"quoted\""
REF=${PLAIN}-$HOME_DIR
EMPTY=
MULTI="first
second"
HASH=a#b
bad line
1BAD=x
UNCLOSED="oops
`
	lookup := func(name string) (string, bool) {
		if name == "HOME_DIR" {
			return "/home/me", true
		}
		return "", false
	}
	vars, errs := Parse([]byte(data), lookup)
	got := map[string]string{}
	for _, v := range vars {
		got[v.Name] = v.Value
	}
	want := map[string]string{
		"PLAIN":    "value",
		"EXPORTED": "yes",
		"SPACED":   "around",
		"SINGLE":   "literal ${PLAIN} # not a comment",
		"DOUBLE":   "line\nbreak value \"quoted\"",
		"REF":      "value-/home/me",
		"EMPTY":    "",
		"MULTI":    "first\nsecond",
		"HASH":     "a#b",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	if joined := strings.Join(msgs, "; "); !strings.Contains(joined, "line 12: not NAME=value") ||
		!strings.Contains(joined, "line 13: not NAME=value") || !strings.Contains(joined, `line 14: UNCLOSED: no closing "`) {
		t.Errorf("errors: %s", joined)
	}
}

// A file that doubles a variable on every line (654 bytes can ask for
// terabytes) costs what its bounds allow: the values past MaxValue are
// left unset, each named by its line, and the lines after them still count.
func TestExpansionIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("A0=0123456789abcdef\n")
	const n = 40
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "A%d=${A%d}${A%d}\n", i, i-1, i-1)
	}
	b.WriteString("AFTER=still read\n")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	vars, errs := Parse([]byte(b.String()), nil)
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("parsing allocated %d MiB; the bounds allow a few", grew>>20)
	}
	total := 0
	got := map[string]bool{}
	for _, v := range vars {
		total += len(v.Value)
		got[v.Name] = true
		if len(v.Value) > MaxValue {
			t.Errorf("%s is %d bytes, over MaxValue", v.Name, len(v.Value))
		}
	}
	if total > MaxTotal {
		t.Errorf("values total %d bytes, over MaxTotal", total)
	}
	if !got["AFTER"] || !got["A10"] {
		t.Errorf("set %v; want AFTER and the small values kept", got)
	}
	if len(errs) == 0 || errs[0].Name == "" || !strings.Contains(errs[0].Error(), fmt.Sprintf("line %d: %s: ", errs[0].Line, errs[0].Name)) {
		t.Fatalf("errors %v; want the first value over the bound named by line", errs)
	}
	for _, e := range errs {
		if got[e.Name] {
			t.Errorf("%s is both refused and set", e.Name)
		}
	}
}

// An unclosed quote is one line's mistake: it is named, and the lines
// after it are read as lines, in one pass however many follow.
func TestAnUnclosedQuoteCostsOnePass(t *testing.T) {
	var b strings.Builder
	b.WriteString("OPEN=\"never closed\n")
	const n = 100_000
	for i := range n {
		fmt.Fprintf(&b, "B%d=x\n", i)
	}
	vars, errs := Parse([]byte(b.String()), nil)
	if len(vars) != n {
		t.Errorf("read %d variables after the unclosed quote; want %d", len(vars), n)
	}
	if len(errs) != 1 || errs[0].Line != 1 || !strings.Contains(errs[0].Error(), `line 1: OPEN: no closing "`) {
		t.Errorf("errors %v; want one naming line 1", errs)
	}
}

func TestManyUnclosedQuotesAreEachNamed(t *testing.T) {
	data := "A=\"one\nB=\"two\\\"\nC='three\nD=ok\n"
	vars, errs := Parse([]byte(data), nil)
	// A's quote closes at B's opening one; B's line then reads as a value
	// that ends in an escaped quote, and C opens a quote nothing closes.
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	if len(vars) != 2 || vars[0].Name != "A" || vars[1].Name != "D" {
		t.Errorf("vars %v", vars)
	}
	if got := strings.Join(msgs, "; "); !strings.Contains(got, "line 3: C: no closing '") {
		t.Errorf("errors: %s", got)
	}
}

func TestANulIsALineSkipped(t *testing.T) {
	vars, errs := Parse([]byte("A=x\x00y\nB=\"z\\\x00\"\nC=fine\n"), nil)
	if len(vars) != 1 || vars[0].Name != "C" {
		t.Errorf("vars %v; want only C", vars)
	}
	if len(errs) != 2 || errs[0].Line != 1 || errs[1].Line != 2 || !strings.Contains(errs[0].Error(), "NUL") {
		t.Errorf("errors %v; want lines 1 and 2 named for their NUL", errs)
	}
}
