package watch

import (
	"context"
	"sync/atomic"
	"time"
)

// flushing is what Flush needs of a Watcher: a way to make its engine
// look now, and counts that say when what a look found has been handed
// over.
type flushing struct {
	flush    chan chan struct{} // to the engine: look now, then close the channel
	ran      chan struct{}      // closed once Run has returned
	interval time.Duration
	held     atomic.Int64 // nonzero while changes wait for their batch (engine's goroutine)
	made     int64        // batches look made; under mu
	sent     atomic.Int64 // of those, the ones Run has handed over
}

// Flush makes the engine look at the whole tree now, and returns once
// every change found until then has gone out of Run as a batch (and been
// taken): a caller that wrote files before it can count on their batch
// having been received once it returns. The radovskyb engine cannot be
// asked to look, and says nothing of the walks that found nothing: for it
// Flush waits three of its intervals, and counts on a change being found
// by then (best effort). It returns at once if Run has returned, and
// ctx's error if ctx ends first.
func (w *Watcher) Flush(ctx context.Context) error {
	if w.mode == ModeRadovskyb {
		if err := pause(ctx, w.ran, 3*w.interval); err != nil {
			return err
		}
	} else {
		done := make(chan struct{})
		select {
		case w.flush <- done:
		case <-w.ran:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		w.mu.Lock()
		drained := w.held.Load() == 0 && w.sent.Load() == w.made
		w.mu.Unlock()
		if drained {
			return nil
		}
		if err := pause(ctx, w.ran, minLook); err != nil {
			return err
		}
	}
}

// pause waits d, or until ran is closed; it returns ctx's error if ctx
// ends first.
func pause(ctx context.Context, ran <-chan struct{}, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ran:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}
