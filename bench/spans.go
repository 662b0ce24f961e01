//go:build unix

package main

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// A restart's spans, from devserver's own log (logfmt, millisecond times)
// and the bench's clock: where each millisecond of a save goes.
var spanNames = []string{"write → batch", "batch → old stopped", "stopped → new started", "started → port ready", "ready → first answer"}

var logLine = regexp.MustCompile(`^time=(\S+) level=\S+ msg=(?:"([^"]*)"|(\S+))`)

// restartSpans reads the spans of the restart that a write at t0 caused,
// answered through the proxy at answered, from log; ok is false when a
// step is missing from it.
func restartSpans(log string, t0, answered time.Time) ([]time.Duration, bool) {
	want := []string{"files changed", "app stopped", "app started", "app ready"}
	at := make([]time.Time, 0, len(want))
	for line := range strings.SplitSeq(log, "\n") {
		m := logLine.FindStringSubmatch(line)
		if m == nil || len(at) == len(want) {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, m[1])
		msg := m[2] + m[3]
		// The log's times are cut to the millisecond: one in the write's
		// millisecond is after it.
		if err != nil || t.Before(t0.Truncate(time.Millisecond)) || msg != want[len(at)] {
			continue
		}
		at = append(at, t)
	}
	if len(at) < len(want) {
		return nil, false
	}
	marks := append([]time.Time{t0}, at...)
	marks = append(marks, answered)
	out := make([]time.Duration, len(marks)-1)
	for i := range out {
		out[i] = max(0, marks[i+1].Sub(marks[i]))
	}
	return out, true
}

// spanRow writes the medians of each span over runs, for one row of the
// latency table.
func (b *bench) spanRow(what string, runs [][]time.Duration) {
	if len(runs) == 0 {
		fmt.Fprintf(&b.out, "| %s | %s |\n", what, strings.Repeat("? | ", len(spanNames)-1)+"?")
		return
	}
	cells := make([]string, len(spanNames))
	for i := range spanNames {
		var xs []time.Duration
		for _, r := range runs {
			xs = append(xs, r[i])
		}
		cells[i] = ms(median(xs))
	}
	fmt.Fprintf(&b.out, "| %s | %s |\n", what, strings.Join(cells, " | "))
}
