package dotenv

import (
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
