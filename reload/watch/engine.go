package watch

import (
	"context"
	"time"
)

// An Engine finds the files that change under a tree: by polling (ours,
// or radovskyb/watcher) or by the system's file events. It filters
// nothing of its own accord (the tree says which entries count) and
// batches nothing: the Watcher above it does both the same way for every
// engine.
type Engine interface {
	// Scan takes the tree as it is as the baseline; Count is known after
	// it. It is called once, before Run.
	Scan() error
	// Count is how many files the engine watches, as of its last look.
	Count() int
	// Run looks for changes until ctx ends. After each look (a scan, or a
	// burst of events) it calls found with the files (relative to the
	// project root) created, changed or removed since the previous look;
	// a look that found nothing is a quiet one. found returns whether to
	// look again soon (after the debounce) rather than at the engine's
	// own pace. Run returns nil when ctx ends.
	Run(ctx context.Context, found func(paths []string) (soon bool)) error
}

// pollEngine is devserver's own scanner, run every interval; after a look
// that found changes, the next comes after the debounce instead, until a
// look is quiet.
type pollEngine struct {
	s                  *scanner
	interval, debounce time.Duration
	now                <-chan chan struct{} // Watcher.Flush: look now, and close the channel after
}

func (e *pollEngine) Scan() error {
	e.s.full()
	return nil
}

func (e *pollEngine) Count() int { return int(e.s.files.Load()) }

func (e *pollEngine) Run(ctx context.Context, found func([]string) bool) error {
	t := time.NewTimer(e.interval)
	defer t.Stop()
	for {
		var done chan struct{}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case done = <-e.now:
		}
		next := e.interval
		if found(e.s.full()) {
			next = max(e.debounce, minLook)
		}
		if done != nil {
			close(done)
		}
		t.Reset(next)
	}
}

// minLook is the least pause between two looks, so that a debounce of 0
// never spins.
const minLook = 5 * time.Millisecond
