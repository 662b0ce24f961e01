package watch

import (
	"bytes"
	"context"
	"time"

	"github.com/devserver/devserver/internal/textfile"
)

// Files polls files by content every interval (following symlinks, so
// a Kubernetes-style link swap counts) and sends on changed when one of them
// has changed and then stayed the same for one more poll: a save written in
// several steps is never reported half-done. A file may be missing, appear
// and vanish; atomic saves (write a temporary file, rename it over) are seen
// like any other change, as often as they happen. It returns when ctx ends.
//
// Config files are small (config refuses more than 1 MiB), so comparing
// their bytes is both cheap and exact: no mtime resolution to outwit. A file
// that is not a regular file, or is larger than that, counts as missing.
func Files(ctx context.Context, files []string, interval time.Duration, changed chan<- struct{}) {
	read := func() [][]byte {
		out := make([][]byte, len(files))
		for i, f := range files {
			// Bounded: a config swapped for a pipe or a link to /dev/zero
			// must not hang or fill the watcher; loading it says what is wrong.
			data, err := textfile.Read(f, textfile.MaxConfig)
			if err != nil {
				data = nil // missing, unreadable or not a file: one state
			}
			out[i] = data
		}
		return out
	}
	equal := func(a, b [][]byte) bool {
		for i := range a {
			if (a[i] == nil) != (b[i] == nil) || !bytes.Equal(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	applied := read()
	var candidate [][]byte
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := read()
		switch {
		case equal(now, applied):
			candidate = nil
		case candidate != nil && equal(now, candidate):
			applied, candidate = now, nil
			select {
			case changed <- struct{}{}:
			case <-ctx.Done():
				return
			}
		default:
			candidate = now // changed: wait one poll for it to settle
		}
	}
}
