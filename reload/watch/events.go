package watch

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// eventsEngine is watch.mode: events. The system's file events (inotify,
// ReadDirectoryChangesW, kqueue) say which directories changed; the same
// scanner as polling then rescans just those, so what is reported is
// exactly what polling would report. A full scan follows an overflow of
// the event queue, and runs every safety period anyway, for what events
// never say (a share mounted over a watched directory, a watch the system
// dropped). Where watches cannot be had (the inotify limit), it polls.
type eventsEngine struct {
	s        *scanner
	log      *slog.Logger
	files    []string // config files: their directories are watched too
	interval time.Duration
	debounce time.Duration
	safety   time.Duration // between full scans

	fw      *fsnotify.Watcher
	watched map[string]bool // directories with a watch
	polling bool            // no watches could be had: poll instead
	now     <-chan chan struct{}
}

// safetyFactor times the interval is the period of the events engine's
// full scans.
const safetyFactor = 60

func newEventsEngine(t *tree, log *slog.Logger, opts Options, now <-chan chan struct{}) *eventsEngine {
	return &eventsEngine{s: newScanner(t, log), log: log, files: opts.Files, interval: opts.Interval, now: now,
		debounce: opts.Debounce, safety: safetyFactor * opts.Interval, watched: map[string]bool{}}
}

func (e *eventsEngine) Scan() error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		e.log.Warn("native file events unavailable; polling instead", "err", err)
		e.polling = true
		e.s.full()
		return nil
	}
	e.fw = fw
	e.s.full()
	for added := e.sync(); len(added) > 0; added = e.sync() {
		e.s.partial(added) // what came between the scan and the watch
	}
	e.s.count()
	return nil
}

// Close lets go of the watches when Run is not called.
func (e *eventsEngine) Close() error {
	if e.fw == nil || e.polling {
		return nil
	}
	return e.fw.Close()
}

func (e *eventsEngine) Count() int { return int(e.s.files.Load()) }

// sync watches the directories the scanner knows and the config files'
// directories, and lets go of those that are gone. It returns the
// directories it began to watch.
func (e *eventsEngine) sync() (added []string) {
	if e.polling {
		return nil
	}
	configDirs := make(map[string]bool, len(e.files))
	for _, f := range e.files {
		configDirs[filepath.Dir(f)] = true
	}
	watch := func(d string) bool { // false once the system allows no more
		if e.watched[d] {
			return true
		}
		if err := e.fw.Add(d); err != nil {
			if tooMany(err) {
				e.log.Warn("the system allows no more file watches; polling instead (raise fs.inotify.max_user_watches, or set watch.mode: poll)", "err", err)
				e.polling = true
				_ = e.fw.Close()
				return false
			}
			return true // gone since the scan, or not there yet (an overlay's directory)
		}
		e.watched[d] = true
		added = append(added, d)
		return true
	}
	for d := range e.s.dirs {
		if !watch(d) {
			return nil
		}
	}
	for d := range configDirs {
		if !watch(d) {
			return nil
		}
	}
	for d := range e.watched {
		if e.s.dirs[d] == nil && !configDirs[d] {
			_ = e.fw.Remove(d)
			delete(e.watched, d)
		}
	}
	return added
}

func (e *eventsEngine) Run(ctx context.Context, found func([]string) bool) error {
	if e.polling {
		return (&pollEngine{s: e.s, interval: e.interval, debounce: e.debounce, now: e.now}).Run(ctx, found)
	}
	q := &eventQueue{kick: make(chan struct{}, 1), dirs: map[string]bool{}}
	pumped := make(chan struct{})
	go func() { defer close(pumped); e.pump(q) }()
	defer func() { _ = e.fw.Close(); <-pumped }() // Close ends the pump
	safety := time.NewTicker(e.safety)
	defer safety.Stop()
	l := &looker{}
	defer l.stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-pumped:
			if ctx.Err() == nil {
				e.log.Warn("file events stopped; polling instead")
				e.polling = true
			}
		case <-q.kick:
			l.arm(settle)
		case <-l.c:
			l.c = nil
			dirs, full := q.take()
			var changed []string
			if full {
				changed = e.s.full()
			} else {
				changed = e.s.partial(dirs)
			}
			e.look(found, changed, l)
		case <-safety.C:
			q.take()
			e.look(found, e.s.full(), l)
		case done := <-e.now: // Watcher.Flush: a full look, as the safety scan's
			q.take()
			e.look(found, e.s.full(), l)
			close(done)
		}
		if e.polling {
			return (&pollEngine{s: e.s, interval: e.interval, debounce: e.debounce, now: e.now}).Run(ctx, found)
		}
	}
}

// eventQueue holds what the events said until Run looks: the directories
// they named, or that some were lost.
type eventQueue struct {
	mu   sync.Mutex
	dirs map[string]bool
	full bool          // the system's queue overflowed: look at everything
	kick chan struct{} // capacity 1: something is queued
}

func (q *eventQueue) put(dir string, full bool) {
	q.mu.Lock()
	if full {
		q.full = true
	} else {
		q.dirs[dir] = true
	}
	q.mu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

func (q *eventQueue) take() (dirs []string, full bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	dirs, full = slices.Collect(maps.Keys(q.dirs)), q.full
	clear(q.dirs)
	q.full = false
	return dirs, full
}

// pump takes fsnotify's events and errors as they come, into q, until the
// watcher is closed. It never waits on Run: on Windows fsnotify's one
// goroutine both delivers events and serves Add, so a Run that called Add
// while fsnotify waited for Run to take an event would wait for ever.
func (e *eventsEngine) pump(q *eventQueue) {
	errSaid := said{}
	for {
		select {
		case ev, ok := <-e.fw.Events:
			if !ok {
				return
			}
			q.put(filepath.Dir(ev.Name), false)
		case err, ok := <-e.fw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				q.put("", true) // events were lost: look at everything
			} else {
				errSaid.warn(e.log, "file events", err)
			}
		}
	}
}

// look hands a look's changes to found, and asks for another after the
// debounce if found wants one soon.
func (e *eventsEngine) look(found func([]string) bool, changed []string, l *looker) {
	// A directory is read before its watch exists: read the new ones
	// again, for what came in between.
	for added := e.sync(); len(added) > 0; added = e.sync() {
		changed = append(changed, e.s.partial(added)...)
	}
	e.s.count()
	if found(changed) {
		l.arm(max(e.debounce, minLook))
	}
}

// settle is how long the events engine waits after an event before it
// looks: a save is several calls (write, close, rename).
const settle = 10 * time.Millisecond

// looker is the one timer of the next look.
type looker struct {
	t *time.Timer
	c <-chan time.Time // nil when no look is due
}

// arm makes a look due after d, unless one is due already.
func (l *looker) arm(d time.Duration) {
	if l.c != nil {
		return
	}
	if l.t == nil {
		l.t = time.NewTimer(d)
	} else {
		l.t.Reset(d)
	}
	l.c = l.t.C
}

func (l *looker) stop() {
	if l.t != nil {
		l.t.Stop()
	}
}
