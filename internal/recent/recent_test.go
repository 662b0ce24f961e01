package recent

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLinesAreBounded: a source keeps its last MaxLines lines, each cut at
// MaxLineBytes on a whole rune and without colours; a partial line waits
// for its newline or EndLine.
func TestLinesAreBounded(t *testing.T) {
	var l Log
	w := l.Writer("app", "stdout")
	for i := range MaxLines + 500 {
		fmt.Fprintf(w, "line %d\n", i)
	}
	got := l.Last("app", -1)
	if len(got) != MaxLines || got[0].Text != "line 500" || got[len(got)-1].Text != fmt.Sprintf("line %d", MaxLines+499) {
		t.Fatalf("%d lines kept, first %q, last %q", len(got), got[0].Text, got[len(got)-1].Text)
	}
	fmt.Fprint(w, "\x1b[31m"+strings.Repeat("é", MaxLineBytes)) // 2 bytes each: twice the bound
	if n := len(l.Last("app", -1)); n != MaxLines || l.Last("app", 1)[0].Text != fmt.Sprintf("line %d", MaxLines+499) {
		t.Errorf("a partial line was kept before its end")
	}
	w.(*writer).EndLine()
	last := l.Last("app", 1)[0].Text
	if len(last) > MaxLineBytes || len(last) < MaxLineBytes-8 || strings.Contains(last, "\x1b") || !strings.HasPrefix(last, "éé") || strings.ToValidUTF8(last, "?") != last {
		t.Errorf("a long coloured line kept as %d bytes: %q…", len(last), last[:min(20, len(last))])
	}
}

// TestFollowersNeverBlockASource: a follower that reads nothing loses
// lines, and the source writes on; one that reads gets its source's lines
// only.
func TestFollowersNeverBlockASource(t *testing.T) {
	var l Log
	_, stopSlow := l.Follow("")
	defer stopSlow()
	lines, stop := l.Follow("web")
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 10 * followBuffer {
			l.Add(Line{Time: time.Now(), Source: "app", Text: fmt.Sprint(i)})
		}
		l.Add(Line{Time: time.Now(), Source: "web", Text: "for web"})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a follower that reads nothing blocked the source")
	}
	if got := <-lines; got.Source != "web" || got.Text != "for web" {
		t.Errorf("the web follower got %+v", got)
	}
}

// TestSourcesAreBounded: past maxSources the oldest source goes, and Last
// of all merges the sources in time order.
func TestSourcesAreBounded(t *testing.T) {
	var l Log
	t0 := time.Now()
	for i := range maxSources + 3 {
		l.Add(Line{Time: t0.Add(time.Duration(maxSources+3-i) * time.Millisecond), Source: fmt.Sprint("s", i), Text: fmt.Sprint(i)})
	}
	all := l.Last("", -1)
	if len(all) != maxSources || len(l.Last("s0", -1)) != 0 {
		t.Fatalf("%d lines, s0 has %d", len(all), len(l.Last("s0", -1)))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Time.Before(all[i-1].Time) {
			t.Fatalf("Last is not in time order at %d", i)
		}
	}
}
