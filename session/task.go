package session

import (
	"context"
	"log/slog"
)

// task is one long-running piece (serving a listener, the app supervisor, a
// watcher) in a goroutine of its own, from start until stop has returned.
type task struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// start runs run(ctx) in a new goroutine until stop; an error it returns
// other than at stop is logged as what stopped.
func start(ctx context.Context, log *slog.Logger, what string, run func(context.Context) error) *task {
	ctx, cancel := context.WithCancel(ctx)
	t := &task{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		if err := run(ctx); err != nil && ctx.Err() == nil {
			log.Error(what+" stopped", "err", err)
		}
	}()
	return t
}

// stop ends the task and waits until its goroutine has returned. A nil task
// is stopped already.
func (t *task) stop() {
	if t == nil {
		return
	}
	t.cancel()
	<-t.done
}

// stopTogether stops tasks together, so that their stop timeouts run at once,
// and waits for all of them.
func stopTogether(tasks []*task) {
	for _, t := range tasks {
		if t != nil {
			t.cancel()
		}
	}
	for _, t := range tasks {
		t.stop()
	}
}
