package watch

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestFlushHandsOverWhatWasWritten: a file written just before Flush is in
// a batch taken from Run once Flush returns, under the poll and events
// engines, though the poll engine's next look is an hour away; while
// nobody takes the batch, Flush does not return. The radovskyb engine
// cannot be asked to look (Flush waits for it): its batch comes all the
// same.
func TestFlushHandsOverWhatWasWritten(t *testing.T) {
	t.Parallel()
	for _, mode := range engines {
		t.Run(mode, func(t *testing.T) {
			root := t.TempDir()
			interval := time.Hour
			if mode == ModeRadovskyb {
				interval = 100 * time.Millisecond // it cannot be asked to look: Flush waits two
			}
			w := newWatcher(t, mode, Options{Root: root, Interval: interval, Debounce: 20 * time.Millisecond}, nil)
			if err := w.Scan(); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := make(chan Batch)
			ran := make(chan error, 1)
			go func() { ran <- w.Run(ctx, out) }()
			defer func() { cancel(); <-ran }()
			testkit.WriteFile(t, filepath.Join(root, "a.go"), "x")

			if mode != ModeRadovskyb {
				short, stop := context.WithTimeout(ctx, time.Second)
				err := w.Flush(short)
				stop()
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Flush with no one to take the batch = %v, want it to wait", err)
				}
			}
			var mu sync.Mutex
			var got []string
			go func() {
				for b := range out {
					mu.Lock()
					got = append(got, b.Paths...)
					mu.Unlock()
				}
			}()
			long, stop := context.WithTimeout(ctx, 20*time.Second)
			defer stop()
			if err := w.Flush(long); err != nil {
				t.Fatal(err)
			}
			testkit.WaitFor(t, 5*time.Second, "a.go's batch", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return slices.Contains(got, "a.go")
			})
		})
	}
}
