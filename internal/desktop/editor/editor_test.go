package editor

import (
	"slices"
	"testing"
)

func TestTheEditorsWaysOfSayingALine(t *testing.T) {
	for _, c := range []struct {
		environ []string
		want    []string
	}{
		{nil, []string{"code", "-g", "a.go:3:5"}},
		{[]string{"EDITOR=subl -n"}, []string{"subl", "-n", "a.go:3:5"}},
		{[]string{"EDITOR=vim", "VISUAL=/opt/bin/goland"}, []string{"/opt/bin/goland", "--line", "3", "a.go"}},
		{[]string{"VISUAL=emacsclient -n"}, []string{"emacsclient", "-n", "+3", "a.go"}},
		{[]string{"VISUAL=my-editor"}, []string{"my-editor", "a.go"}},
	} {
		got, err := Command("a.go", 3, 5, c.environ)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%v: %q, %v; want %q", c.environ, got, err, c.want)
		}
	}
	if _, err := Command("a.go", 3, 0, []string{"EDITOR=nvim"}); err == nil {
		t.Error("a terminal editor was to be started from the browser")
	}
}
